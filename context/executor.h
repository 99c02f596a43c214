// traceprop/context/executor.h — executors that carry the submitter's context.
//
// `ContextPropagatingExecutor<E>` decorates any executor E that accepts a
// closure through a member named post, submit, add, execute or Schedule
// (detected at compile time). Each closure submitted through the decorator
// is wrapped (see wrap.h) with the submitter's Current() at submission
// time, so it runs under that context on whichever worker picks it up, and
// the worker's previous context (normally none) is restored afterwards:
// a pool thread reused across tasks never shows one task's context to the
// next. From examples/thread_pool/main.cc:
//
//   ThreadPool raw_pool(/*threads=*/2);                 // any closure executor
//   auto pool = traceprop::PropagateContext(raw_pool);  // non-owning view
//   ...                               // in HandleRequest(), inside a span:
//   pool.post([mine] { Check("task", mine); });  // runs under the span
//   ...                               // in main(), with no current context:
//   pool.post([] { Check("no-context", traceprop::TraceContext()); });
//
// To own the executor instead (constructor arguments go to E):
//   traceprop::ContextPropagatingExecutor<ThreadPool> owned(/*threads=*/2);
//
// Cost: one TraceContext copy per submitted closure (plus whatever the
// executor does with a closure one TraceContext larger).

#ifndef TRACEPROP_CONTEXT_EXECUTOR_H_
#define TRACEPROP_CONTEXT_EXECUTOR_H_

#include <type_traits>
#include <utility>

#include "traceprop/context/current.h"
#include "traceprop/context/wrap.h"

namespace traceprop {
namespace internal {

// A copyable closure used to probe what an executor accepts.
using ProbeClosure = ContextBound<void (*)()>;

#define TRACEPROP_INTERNAL_CLOSURE_METHOD_TRAIT(Trait, method)             \
  template <typename E, typename F, typename = void>                       \
  struct Trait : std::false_type {};                                       \
  template <typename E, typename F>                                        \
  struct Trait<                                                            \
      E, F,                                                                \
      std::void_t<decltype(std::declval<E&>().method(std::declval<F>()))>> \
      : std::true_type {};

TRACEPROP_INTERNAL_CLOSURE_METHOD_TRAIT(HasPost, post)
TRACEPROP_INTERNAL_CLOSURE_METHOD_TRAIT(HasSubmit, submit)
TRACEPROP_INTERNAL_CLOSURE_METHOD_TRAIT(HasAdd, add)
TRACEPROP_INTERNAL_CLOSURE_METHOD_TRAIT(HasExecute, execute)
TRACEPROP_INTERNAL_CLOSURE_METHOD_TRAIT(HasSchedule, Schedule)

#undef TRACEPROP_INTERNAL_CLOSURE_METHOD_TRAIT

}  // namespace internal

// IsClosureExecutor<E>::value is true when E has a member post, submit,
// add, execute or Schedule that accepts a closure (a callable object taking
// no arguments) as its only argument.
template <typename E>
struct IsClosureExecutor
    : std::bool_constant<
          internal::HasPost<E, internal::ProbeClosure>::value ||
          internal::HasSubmit<E, internal::ProbeClosure>::value ||
          internal::HasAdd<E, internal::ProbeClosure>::value ||
          internal::HasExecute<E, internal::ProbeClosure>::value ||
          internal::HasSchedule<E, internal::ProbeClosure>::value> {};

// ContextPropagatingExecutor<E> decorates the executor E (held by value,
// or by reference when E is `T&`; see PropagateContext). For each of
// post/submit/add/execute/Schedule that E accepts a closure through, it
// has the same-named member taking any closure (move-only ones included
// when E accepts them, e.g. through absl::AnyInvocable) that forwards
// Wrap(closure) to E and returns what E returns (e.g. E::submit's future,
// whose value is the closure's result).
//
// The context carried is the submitter's Current() when the member is
// called. With no current context the closure runs with no context (the
// worker's own context, if any, is hidden for the call) and is restored
// afterwards. Closures given to E directly (executor()) are not wrapped.
//
// Thread safety: as thread-safe as E (it adds no shared state). Lifetime:
// a reference-holding decorator must not outlive the executor.
//
// Bad input: a type E with none of the five members is rejected at compile
// time with a static_assert naming them. A closure E does not accept fails
// to compile like it would on E.
template <typename E>
class ContextPropagatingExecutor {
  static_assert(
      IsClosureExecutor<std::remove_reference_t<E>>::value,
      "traceprop::ContextPropagatingExecutor<E>: E needs a member post, "
      "submit, add, execute or Schedule that takes a closure");

 public:
  // Constructs the held E from `args` (for E = T&: from the T& to refer
  // to).
  template <typename... Args,
            typename = std::enable_if_t<std::is_constructible_v<E, Args&&...>>>
  explicit ContextPropagatingExecutor(Args&&... args)
      : executor_(std::forward<Args>(args)...) {}

#define TRACEPROP_INTERNAL_FORWARD_CLOSURE(Trait, method)                  \
  template <typename F, typename X = std::remove_reference_t<E>,           \
            typename = std::enable_if_t<                                   \
                internal::Trait<X, ContextBound<std::decay_t<F>>>::value>> \
  decltype(auto) method(F&& closure) {                                     \
    return executor_.method(Wrap(std::forward<F>(closure)));               \
  }

  TRACEPROP_INTERNAL_FORWARD_CLOSURE(HasPost, post)
  TRACEPROP_INTERNAL_FORWARD_CLOSURE(HasSubmit, submit)
  TRACEPROP_INTERNAL_FORWARD_CLOSURE(HasAdd, add)
  TRACEPROP_INTERNAL_FORWARD_CLOSURE(HasExecute, execute)
  TRACEPROP_INTERNAL_FORWARD_CLOSURE(HasSchedule, Schedule)

#undef TRACEPROP_INTERNAL_FORWARD_CLOSURE

  // executor is the decorated executor, for its other members (shutdown,
  // size...). Closures submitted through it directly are not wrapped.
  std::remove_reference_t<E>& executor() { return executor_; }
  const std::remove_reference_t<E>& executor() const { return executor_; }

 private:
  E executor_;
};

// PropagateContext(executor) returns a non-owning decorator of `executor`
// (ContextPropagatingExecutor<E&>); `executor` must outlive it. Thread
// safety as for ContextPropagatingExecutor. Bad input: an E that is not a
// closure executor is a compile-time error (see IsClosureExecutor).
template <typename E>
ContextPropagatingExecutor<E&> PropagateContext(E& executor) {
  return ContextPropagatingExecutor<E&>(executor);
}

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_EXECUTOR_H_

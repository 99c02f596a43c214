// traceprop/context/wrap.h — carry a trace context into callables,
// executors and threads.
//
// `Wrap` binds a context to any callable (function, lambda, functor,
// move-only ones included). Calling the result runs the callable with that
// context current on the calling thread and restores the caller's context
// afterwards, also when the callable throws. `PropagateContext(executor)`
// wraps every closure submitted through an executor; `MakeThread` starts a
// std::thread under the current context. From examples/thread_pool/main.cc,
// inside the request's SpanScope:
//
//   auto payload = std::make_unique<std::string>("payload");
//   auto task = traceprop::Wrap([mine, payload = std::move(payload)] {
//     Check(payload->c_str(), mine);        // Current() is the request span
//   });                                     // (captured here, at wrap time)
//   raw_pool.post(std::move(task));         // move-only; runs on a worker
//
//   auto pool = traceprop::PropagateContext(raw_pool);  // non-owning view
//   pool.post([mine] { Check("task", mine); });  // runs under the span
//
//   threads.push_back(traceprop::MakeThread(
//       [mine](int n) {
//         (void)n;
//         Check("audit", mine);  // a new thread, under the request's span
//       },
//       42));
//
// Cost (bench/context_benchmark.cc): a call through the wrapper adds one
// thread-local load and two stores to the direct call (~0.3 ns).

#ifndef TRACEPROP_CONTEXT_WRAP_H_
#define TRACEPROP_CONTEXT_WRAP_H_

#include <functional>
#include <thread>
#include <type_traits>
#include <utility>

#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"

namespace traceprop {

// ContextBound<F> is the callable Wrap returns: a context plus a callable
// of type F (decayed). Calling it with any arguments forwards them to the
// callable and returns its result, with context() current for the duration
// of the call; the previous context is restored when the call returns or
// throws (the exception propagates unchanged). The call operator is
// const-, non-const- and rvalue-qualified like the callable's: an rvalue
// ContextBound invokes an rvalue callable (one-shot callables work).
//
// Copyable when F is, movable when F is (a lambda owning a unique_ptr gives
// a move-only ContextBound: store it in absl::AnyInvocable, not
// std::function). The context lives inside the object, so the object must
// outlive each call it makes (a callable that destroys its own wrapper
// while running leaves Current() dangling until the call returns).
//
// Bad input: an invalid context() is installed as "no context" for the
// call (Current().IsValid() is false inside), hiding whatever the calling
// thread had, so work submitted without a trace never shows a stale one.
//
// Thread safety: as thread-safe as F: the wrapper itself only reads its
// context. Calls on different threads each see context() in their own
// thread's slot.
template <typename F>
class ContextBound {
 public:
  template <typename G>
  ContextBound(TraceContext context, G&& callable)
      : context_(std::move(context)), callable_(std::forward<G>(callable)) {}

  template <typename... Args>
  std::invoke_result_t<F&, Args...> operator()(Args&&... args) & {
    internal::SlotGuard guard(&context_);
    return std::invoke(callable_, std::forward<Args>(args)...);
  }
  template <typename... Args>
  std::invoke_result_t<const F&, Args...> operator()(Args&&... args) const& {
    internal::SlotGuard guard(&context_);
    return std::invoke(callable_, std::forward<Args>(args)...);
  }
  template <typename... Args>
  std::invoke_result_t<F, Args...> operator()(Args&&... args) && {
    internal::SlotGuard guard(&context_);
    return std::invoke(std::move(callable_), std::forward<Args>(args)...);
  }

  // context is the context each call runs under.
  const TraceContext& context() const { return context_; }
  // callable gives access to the wrapped callable.
  F& callable() & { return callable_; }
  const F& callable() const& { return callable_; }

 private:
  TraceContext context_;
  F callable_;
};

// Wrap(context, callable) returns a ContextBound that runs `callable` under
// `context`: the context it is given, not whatever is current when Wrap is
// called or when the result is called. `callable` is moved (rvalue) or
// copied (lvalue) into the result. Thread-safe. Bad input: see ContextBound
// (an invalid context means "run with no context").
template <typename F>
[[nodiscard]] ContextBound<std::decay_t<F>> Wrap(TraceContext context,
                                                 F&& callable) {
  return ContextBound<std::decay_t<F>>(std::move(context),
                                       std::forward<F>(callable));
}

// Wrap(callable) captures the calling thread's Current() now, at wrap time,
// and returns Wrap(Current(), callable). With no current context the
// callable will run with no context (not with the caller's at call time).
template <typename F>
[[nodiscard]] ContextBound<std::decay_t<F>> Wrap(F&& callable) {
  return ContextBound<std::decay_t<F>>(Current(), std::forward<F>(callable));
}

// ContextPropagatingExecutor<E> decorates an executor E that takes closures
// through a member named post, submit, add, execute or Schedule. Calling one
// of these on the decorator calls E's member of the same name with
// Wrap(closure): the closure runs under the submitter's Current() at
// submission time on whichever worker picks it up, and the worker's previous
// context (normally none) is restored afterwards, so a reused pool thread
// never shows one task's context to the next. Returns what E's member
// returns; calling a member E does not have does not compile. E is held by
// value (constructor arguments go to E) or, for E = T&, referenced.
// Thread safety: as E's. Cost: one TraceContext copy per closure.
//
//   traceprop::ContextPropagatingExecutor<ThreadPool> owned(/*threads=*/2);
template <typename E>
class ContextPropagatingExecutor {
 public:
  template <typename... Args,
            typename = std::enable_if_t<std::is_constructible_v<E, Args&&...>>>
  explicit ContextPropagatingExecutor(Args&&... args)
      : executor_(std::forward<Args>(args)...) {}

  template <typename F>
  decltype(auto) post(F&& closure) {
    return executor_.post(Wrap(std::forward<F>(closure)));
  }
  template <typename F>
  decltype(auto) submit(F&& closure) {
    return executor_.submit(Wrap(std::forward<F>(closure)));
  }
  template <typename F>
  decltype(auto) add(F&& closure) {
    return executor_.add(Wrap(std::forward<F>(closure)));
  }
  template <typename F>
  decltype(auto) execute(F&& closure) {
    return executor_.execute(Wrap(std::forward<F>(closure)));
  }
  template <typename F>
  decltype(auto) Schedule(F&& closure) {
    return executor_.Schedule(Wrap(std::forward<F>(closure)));
  }

  // executor is the decorated executor, for its other members (shutdown,
  // size...). Closures submitted through it directly are not wrapped.
  std::remove_reference_t<E>& executor() { return executor_; }
  const std::remove_reference_t<E>& executor() const { return executor_; }

 private:
  E executor_;
};

// PropagateContext(executor) returns a non-owning ContextPropagatingExecutor
// over `executor`, which must outlive it. Thread-safe.
template <typename E>
ContextPropagatingExecutor<E&> PropagateContext(E& executor) {
  return ContextPropagatingExecutor<E&>(executor);
}

// MakeThread(f, args...) starts a std::thread running f(args...) under the
// calling thread's Current(), captured now (with none, the thread runs with
// none). Arguments are copied or moved like std::thread's; throws
// std::system_error when the thread cannot be started, as std::thread does.
// To run a thread under another context: std::thread(Wrap(context, f)).
// Thread-safe.
template <typename F, typename... Args>
std::thread MakeThread(F&& f, Args&&... args) {
  return std::thread(Wrap(std::forward<F>(f)), std::forward<Args>(args)...);
}

}  // namespace traceprop

#endif  // TRACEPROP_CONTEXT_WRAP_H_

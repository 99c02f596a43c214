#!/usr/bin/env python3
"""Instructions per in-process unary call, counted by callgrind (steady where
times are not). For each variant of bench/interceptors_benchmark's
BM_UnaryFixed it runs the program under valgrind with two call counts and
prints, per call (the difference of the two runs over the difference of
the counts, so start-up cancels out):

  total  every instruction of the process, all threads (varies by +-1k
         between runs: gRPC's pollers spin differently under valgrind)
  own    the interceptors' own work: the inclusive cost of their factory,
         hook and destructor functions minus what they hand back to gRPC
         (Proceed), steady to a few instructions
  worker the span processor's thread (BatchSpanProcessor::Run, inclusive):
         for "recording" taking spans off the queue, for "export" that plus
         encoding them and the gRPC client call to a receiver in another
         process (not counted); steady to a few instructions

usage: bench/callgrind_per_call.py BENCHMARK_BINARY [variant ...]
       (variants: none noop traceprop header_only recording unsampled export,
       and otel_cpp when built with TRACEPROP_OTEL_CPP_API_DIR; default
       traceprop header_only)"""
import os
import re
import subprocess
import sys
import tempfile

OWN = {
    'traceprop': r'traceprop::\(anonymous namespace\)::(ClientFactory::CreateClientInterceptor|ServerFactory::CreateServerInterceptor|ClientInterceptor::Intercept|ServerInterceptor::Intercept|ClientInterceptor::~ClientInterceptor|ServerInterceptor::~ServerInterceptor|ServerInterceptor::StartCall|ClientInterceptor::Inject)\(',
    'header_only': r'\(anonymous namespace\)::(NoOpClientFactory::CreateClientInterceptor|NoOpServerFactory::CreateServerInterceptor|NoOpInterceptor::Intercept|HeaderOnlyInterceptor::Intercept|NoOpInterceptor::~NoOpInterceptor|HeaderOnlyInterceptor::~HeaderOnlyInterceptor)\(',
    'noop': r'\(anonymous namespace\)::(NoOpClientFactory::CreateClientInterceptor|NoOpServerFactory::CreateServerInterceptor|NoOpInterceptor::Intercept|NoOpInterceptor::~NoOpInterceptor)\(',
}
OWN['recording'] = OWN['unsampled'] = OWN['export'] = OWN['traceprop']
HANDBACK = re.compile(r'InterceptorBatchMethodsImpl::Proceed')
# The span processor's thread: recording's hand-off, export's encoding and
# gRPC client work, steady where `total` is not.
WORKER = re.compile(r'traceprop::BatchSpanProcessor::Run\(\)')
LINE = re.compile(r'^\s*([\d,]+) \([^)]*\)\s+(\*|>)\s+(.*)$')
# The two call counts; TRACEPROP_CALLGRIND_CALLS="300,10300" narrows `total`'s
# spread (about 2M instructions a run, whatever the count) five times over.
CALLS = tuple(int(n) for n in
              os.environ.get('TRACEPROP_CALLGRIND_CALLS', '300,2300').split(','))


def run(binary, variant, calls, out):
    env = dict(os.environ, TRACEPROP_BENCH_FIXED_CALLS=str(calls))
    subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
                    binary, '--benchmark_filter=BM_UnaryFixed/%s/' % variant],
                   env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    # From '/': callgrind_annotate shortens paths under the working
    # directory, which splits a function's entries differently.
    text = subprocess.run(['callgrind_annotate', '--tree=calling',
                           '--inclusive=yes', '--threshold=100', out],
                          capture_output=True, text=True, check=True,
                          cwd='/').stdout
    total = own = worker = 0
    entry = re.compile(OWN[variant]) if variant in OWN else None
    inside = False
    for line in text.splitlines():
        if 'PROGRAM TOTALS' in line:
            total = int(line.split()[0].replace(',', ''))
        m = LINE.match(line)
        if not m:
            continue
        cost = int(m.group(1).replace(',', ''))
        if m.group(2) == '*' and WORKER.search(m.group(3)):
            worker = max(worker, cost)  # not its inlined parts
        if entry is None:
            continue
        if m.group(2) == '*':
            # The function's entry under its own source file. Code inlined
            # from headers is listed apart too ("stl_tree.h:fn"), but the
            # main entry's inclusive cost already holds it: adding those
            # entries as well counted it twice (until 2026-12-01).
            where = m.group(3)
            inside = bool(entry.search(where)) and \
                where.split(':', 1)[0].endswith('.cc')
            if inside:
                own += cost
        elif inside and (HANDBACK.search(m.group(3)) or
                         entry.search(m.group(3))):
            # Handed back to gRPC, or counted as an entry of its own.
            own -= cost
    return total, own, worker


def main():
    binary = sys.argv[1]
    variants = sys.argv[2:] or ['traceprop', 'header_only']
    with tempfile.TemporaryDirectory() as tmp:
        for v in variants:
            (t0, o0, w0), (t1, o1, w1) = (
                run(binary, v, n, os.path.join(tmp, '%s.%d' % (v, n)))
                for n in CALLS)
            d = CALLS[1] - CALLS[0]
            own = '%8.0f' % ((o1 - o0) / d) if v in OWN else '       -'
            worker = '%8.0f' % ((w1 - w0) / d) if w1 else '       -'
            print('%-12s total %8.0f  own %s  worker %s' %
                  (v, (t1 - t0) / d, own, worker))


if __name__ == '__main__':
    main()

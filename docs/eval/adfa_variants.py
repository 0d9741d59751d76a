#!/usr/bin/env python3
"""Scoring variants tried on ADFA-LD after the Java detectors plateaued near AUC 0.84.

A throwaway-style prototype kept so its numbers can be reproduced (docs/eval/experiments.md):
  apt-get install python3-numpy python3-scipy
  python3 docs/eval/adfa_variants.py ../shared/datasets/adfa-ld/ADFA-LD.zip   (about 10 min)
Protocol as in `vigil evaluate`: fit on Training_Data_Master only, score Validation (normal)
against Attack; trace-level AUC (ties 1/2). Raw i386 numbers (the Java side folds width
variants; both give 0.84 for the 6-gram model). Every variant was chosen before it was run
and none uses attack traces, except the last one, which adds *normal* validation traces
to training (cross-fitting) to measure what more normal data buys; it is not the protocol.
"""
import collections, io, math, re, sys, zipfile
import numpy as np
from scipy.stats import rankdata

def load(path):
    tr, va, at, kinds = [], [], [], []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if not name.endswith('.txt') or 'Master/' not in name:
                continue
            calls = [int(x) for x in z.read(name).decode('latin-1').split()]
            if 'Training_Data_Master/' in name: tr.append(calls)
            elif 'Validation_Data_Master/' in name: va.append(calls)
            elif 'Attack_Data_Master/' in name:
                at.append(calls); kinds.append(re.search(r'Attack_Data_Master/([A-Za-z_]+?)_\d+/', name).group(1))
    return tr, va, at, kinds

def auc(neg, pos):
    r = rankdata(np.concatenate([neg, pos]))
    return (r[len(neg):].sum() - len(pos) * (len(pos) + 1) / 2) / (len(neg) * len(pos))

class KN:
    """Interpolated absolute-discounting n-gram LM (Kneser-Ney style backoff weights)."""
    def __init__(self, traces, n, d=0.9, vocab=400):
        self.n, self.d, self.v = n, d, vocab
        self.cnt = [collections.Counter() for _ in range(n + 1)]
        self.ctx = [collections.Counter() for _ in range(n + 1)]
        self.typ = [collections.Counter() for _ in range(n + 1)]
        for t in traces:
            s = [-1] * (n - 1) + list(t)
            for i in range(n - 1, len(s)): self.add(s, i, 1)
    def add(self, s, i, w):
        for k in range(1, self.n + 1):
            g = tuple(s[i - k + 1:i + 1])
            if self.cnt[k].get(g, 0) == 0 and w > 0: self.typ[k][g[:-1]] += 1
            self.cnt[k][g] += w; self.ctx[k][g[:-1]] += w
            if w < 0 and self.cnt[k][g] <= 1e-9:
                self.typ[k][g[:-1]] -= 1; del self.cnt[k][g]
    def prob(self, hist, c):
        p = 1.0 / self.v
        for k in range(1, self.n + 1):
            h = tuple(hist[len(hist) - k + 1:]) if k > 1 else ()
            m = self.ctx[k].get(h, 0)
            if m == 0: continue
            p = (max(self.cnt[k].get(h + (c,), 0) - self.d, 0) + self.d * self.typ[k][h] * p) / m
        return p
    def surprise(self, t, adapt=0.0):
        n = self.n; s = [-1] * (n - 1) + list(t); out = []
        for i in range(n - 1, len(s)):
            out.append(-math.log(self.prob(s[i - n + 1:i], s[i])))
            if adapt: self.add(s, i, adapt)
        if adapt:
            for i in range(n - 1, len(s)): self.add(s, i, -adapt)
        return np.array(out)

def main(path):
    tr, va, at, kinds = load(path)
    print(f'ADFA-LD: {len(tr)} training, {len(va)} validation, {len(at)} attack traces')
    rows = []
    def report(name, v, a):
        rows.append((name, auc(np.asarray(v, float), np.asarray(a, float)))); print(f'{rows[-1][1]:.4f}  {name}', flush=True)

    # data facts: how novel is normal validation data?
    uni = set(c for t in tr for c in t); bi = set((t[i], t[i + 1]) for t in tr for i in range(len(t) - 1))
    nv = lambda ts, f: np.mean([f(t) for t in ts])
    print(f'validation traces with a call unseen in training: {nv(va, lambda t: any(c not in uni for c in t)):.3f}; '
          f'with an unseen bigram: {nv(va, lambda t: any((t[i], t[i+1]) not in bi for i in range(len(t)-1))):.3f}; '
          f'attack traces with an unseen bigram: {nv(at, lambda t: any((t[i], t[i+1]) not in bi for i in range(len(t)-1))):.3f}')

    lm = KN(tr, 6)
    pv = [lm.surprise(t) for t in va]; pa = [lm.surprise(t) for t in at]
    aggs = {'mean': np.mean, 'sum': np.sum, 'median': np.median, 'max': np.max, '90th percentile': lambda x: np.quantile(x, .9),
            'clipped at 5 nats, mean': lambda x: np.minimum(x, 5).mean(), 'fraction above 3 nats': lambda x: (x > 3).mean(),
            'worst 20-call window mean': lambda x: np.convolve(x, np.ones(20) / 20, 'valid').max() if len(x) >= 20 else x.mean(),
            'first 50 calls mean': lambda x: x[:50].mean()}
    for k, f in aggs.items(): report(f'6-gram LM, {k} of per-call surprise', [f(x) for x in pv], [f(x) for x in pa])
    fv = np.array([x.mean() for x in pv]); fa = np.array([x.mean() for x in pa])

    for w in (1.0, 5.0):  # the model adapts to the trace as it reads it (cache / dynamic evaluation)
        report(f'6-gram LM adapting to the trace (weight {w}), mean', [lm.surprise(t, w).mean() for t in va], [lm.surprise(t, w).mean() for t in at])

    back = KN([t[::-1] for t in tr], 6)
    bv = np.array([back.surprise(t[::-1]).mean() for t in va]); ba = np.array([back.surprise(t[::-1]).mean() for t in at])
    report('6-gram LM on reversed traces, mean', bv, ba)
    report('forward + backward LM, mean', fv + bv, fa + ba)

    # tf-idf of trigram counts, cosine distance to the nearest training trace
    voc = {}
    def bag(ts, grow):
        m = np.zeros((len(ts), 0)).tolist(); rows_ = []
        for t in ts:
            c = collections.Counter(tuple(t[i:i + 3]) for i in range(len(t) - 2)); r = {}
            for g, v in c.items():
                if g not in voc:
                    if not grow: g = None
                    else: voc[g] = len(voc)
                if g is not None: r[voc[g]] = r.get(voc[g], 0) + v
            rows_.append(r)
        return rows_
    bt = bag(tr, True); bvv = bag(va, False); baa = bag(at, False)
    dense = lambda rs: np.array([[r.get(j, 0) for j in range(len(voc))] for r in rs], float)
    Xt, Xv, Xa = dense(bt), dense(bvv), dense(baa)
    idf = np.log((1 + len(tr)) / (1 + (Xt > 0).sum(0))) + 1
    norm = lambda X: (lambda A: A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12))(X * idf)
    T = norm(Xt); kv = -(norm(Xv) @ T.T).max(1); ka = -(norm(Xa) @ T.T).max(1)
    report('tf-idf trigram bag, cosine distance to nearest training trace', kv, ka)
    r1 = rankdata(np.r_[fv, fa]); r2 = rankdata(np.r_[kv, ka]); s = r1 + r2
    report('rank sum of 6-gram LM mean and tf-idf kNN (transductive ranks)', s[:len(fv)], s[len(fv):])

    # a semantic class LM (calls grouped by what they do) mixed with the call LM
    names = {}
    for line in open('/usr/include/x86_64-linux-gnu/asm/unistd_32.h'):
        m = re.match(r'#define __NR_(\w+)\s+(\d+)', line)
        if m: names[int(m.group(2))] = m.group(1)
    classes = [r'^(read|pread64|readv|preadv|recv.*)$', r'^(write|pwrite64|writev|pwritev|send.*)$', r'^(open|openat|creat)$', r'^close$',
               r'^(l?stat(64)?|fstat(64)?|fstatat64|f?statfs(64)?|access|faccessat|readlink.*)$', r'^(mmap2?|munmap|mprotect|brk|mremap|madvise|msync)$',
               r'^(time|gettimeofday|clock_get.*|times|getrusage)$', r'^(poll|ppoll|_newselect|pselect6|epoll_.*|nanosleep|rt_sigsuspend)$',
               r'^(rt_sig.*|sig.*|kill|tgkill|alarm|setitimer)$', r'^(fcntl(64)?|dup2?|pipe2?|ioctl|lseek|_llseek|flock|fsync|fdatasync|ftruncate(64)?)$',
               r'^(clone|fork|vfork|execve|exit|exit_group|wait4|waitpid|set_tid_address|set_robust_list|set_thread_area|prctl)$',
               r'^(get|set)(e|re|res|fs)?[ug]id(32)?$|^(setsid|setpgid|getpgrp|getpid|getppid|gettid)$', r'^socketcall$',
               r'^(getdents(64)?|mkdir|rmdir|chdir|fchdir|getcwd|unlink(at)?|rename|link|symlink|chmod|fchmod|chown(32)?|fchown(32)?|utime.*|umask|.*xattr)$',
               r'^(futex|sched_.*)$', r'^(ugetrlimit|setrlimit|prlimit64|uname|getpriority|setpriority)$']
    cls = {n: next((i for i, r in enumerate(classes) if re.match(r, nm)), len(classes)) for n, nm in names.items()}
    clm = KN([[cls[c] for c in t] for t in tr], 6, vocab=len(classes) + 1)
    uc = collections.Counter(c for t in tr for c in t); tot = collections.Counter(); mem = collections.Counter(cls.values())
    for c, v in uc.items(): tot[cls[c]] += v
    pin = lambda c: (uc.get(c, 0) + 0.5) / (tot[cls[c]] + 0.5 * mem[cls[c]])
    def mixed(t, lam):
        s = [-1] * 5 + list(t); sc = [-1] * 5 + [cls[c] for c in t]
        return np.mean([-math.log(lam * lm.prob(s[i - 5:i], s[i]) + (1 - lam) * clm.prob(sc[i - 5:i], sc[i]) * pin(s[i])) for i in range(5, len(s))])
    for lam in (0.7, 0.0):
        report(f'call LM mixed with a semantic-class LM (call weight {lam}), mean', [mixed(t, lam) for t in va], [mixed(t, lam) for t in at])

    # surprise relative to the model's own uncertainty at each call (the typicality idea of
    # Nalisnick et al. 2019): per-call entropy of the next-call distribution
    calls = sorted(set(c for t in tr + va + at for c in t)); index = {c: i for i, c in enumerate(calls)}
    follow = [dict() for _ in range(7)]  # order k: context -> Counter of the next call
    for t in tr:
        s = [-1] * 5 + list(t)
        for i in range(5, len(s)):
            for k in range(1, 7): follow[k].setdefault(tuple(s[i - k + 1:i]), collections.Counter())[s[i]] += 1
    dist_cache = {}
    def dist(h):  # the same interpolated model as KN.prob, for every call at once
        if h in dist_cache: return dist_cache[h]
        p = np.full(len(calls), 1.0 / 400)
        for k in range(1, 7):
            f = follow[k].get(h[len(h) - k + 1:] if k > 1 else ())
            if f is None: continue
            q = 0.9 * len(f) * p
            for c, v in f.items(): q[index[c]] += max(v - 0.9, 0)
            p = q / sum(f.values())
        dist_cache[h] = p
        return p
    ent_cache = {}
    def ent(t):
        if id(t) not in ent_cache:
            s = [-1] * 5 + list(t); S = []; H = []
            for i in range(5, len(s)):
                p = dist(tuple(s[i - 5:i])); S.append(-math.log(p[index[s[i]]])); H.append(-(p * np.log(p)).sum())
            ent_cache[id(t)] = (np.array(S), np.array(H))
        return ent_cache[id(t)]
    report('6-gram LM, mean of surprise minus the entropy of the prediction (excess surprise)',
           [(lambda S, H: (S - H).mean())(*ent(t)) for t in va], [(lambda S, H: (S - H).mean())(*ent(t)) for t in at])
    report('6-gram LM, typicality |mean surprise - mean entropy|',
           [(lambda S, H: abs(S.mean() - H.mean()))(*ent(t)) for t in va], [(lambda S, H: abs(S.mean() - H.mean()))(*ent(t)) for t in at])

    # sequence covering (Marteau's SC4ID idea): the fewest pieces of training traces that
    # concatenate to the trace (greedy longest match is optimal, the set being closed under
    # substrings), found with a suffix automaton over the training traces
    nxt, link, ln, last = [{}], [-1], [0], 0
    def extend(c):
        nonlocal last
        cur = len(nxt); nxt.append({}); ln.append(ln[last] + 1); link.append(0); p = last
        while p != -1 and c not in nxt[p]: nxt[p][c] = cur; p = link[p]
        if p != -1:
            q = nxt[p][c]
            if ln[p] + 1 == ln[q]: link[cur] = q
            else:
                cl = len(nxt); nxt.append(dict(nxt[q])); ln.append(ln[p] + 1); link.append(link[q])
                while p != -1 and nxt[p].get(c) == q: nxt[p][c] = cl; p = link[p]
                link[q] = cl; link[cur] = cl
        last = cur
    for k, t in enumerate(tr):
        for c in t: extend(c)
        extend(-1 - k)  # a separator: no piece spans two traces
    def pieces(t):
        out, i = 0, 0
        while i < len(t):
            st, j = 0, i
            while j < len(t) and t[j] in nxt[st]: st = nxt[st][t[j]]; j += 1
            i += max(1, j - i); out += 1
        return out
    report('sequence covering: pieces of training traces per call', [pieces(t) / len(t) for t in va], [pieces(t) / len(t) for t in at])

    # not the protocol: cross-fitting adds 80% of the normal validation traces to training
    rng = np.random.default_rng(42); folds = np.array_split(rng.permutation(len(va)), 5)
    sv = np.zeros(len(va)); sa = np.zeros((5, len(at)))
    for k in range(5):
        m = KN(tr + [va[i] for j in range(5) if j != k for i in folds[j]], 6)
        sv[folds[k]] = [m.surprise(va[i]).mean() for i in folds[k]]; sa[k] = [m.surprise(t).mean() for t in at]
    report('NOT THE PROTOCOL: 6-gram LM fit on training + 80% of validation normal (5-fold cross-fit), mean', sv, sa.mean(0))

if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '../shared/datasets/adfa-ld/ADFA-LD.zip')

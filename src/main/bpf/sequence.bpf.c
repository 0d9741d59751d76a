// SPDX-License-Identifier: GPL-2.0
/*
 * pH/ebpH lookahead-pair profiles in the kernel. Every system call of every watched task
 * is checked against its executable's profile: for the current call and each of the
 * previous window-1 calls of the same thread, was this (current, previous, distance)
 * seen before? Training profiles record new pairs; normal profiles report calls with
 * unseen pairs through the ring buffer. Profiles become normal after min_calls calls with
 * no new pair in the last stable_calls; a normal profile whose task sees more than
 * tolerize_limit anomalies in its last 128 calls goes back to training.
 *
 * Per-thread state lives in task storage (freed by the kernel with the task); per-profile
 * state in hash maps bounded by max_entries (set by user space), where a failed insert is
 * counted, never silent. Needs BTF-enabled tracepoints (tp_btf) and task storage: 5.11+.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "stack.h"

VIGIL_WIRE_STRUCT(vigil_seq_event);
VIGIL_WIRE_ENUM(vigil_event_type);
VIGIL_WIRE_ENUM(vigil_profile_state);
VIGIL_WIRE_ENUM(vigil_state_reason);
VIGIL_WIRE_STRUCT(vigil_profile);
VIGIL_WIRE_STRUCT(vigil_profile_key);

const volatile __u32 window = VIGIL_SEQ_MAX_WINDOW;
const volatile __u64 min_calls = 50000;
const volatile __u64 stable_calls = 20000;
const volatile __u32 tolerize_limit = 12;
const volatile __u32 filter_exes = 0;
const volatile __u32 self_tgid = 0;
const volatile __u32 max_profiles = 4096;

enum vigil_seq_stat {
	ST_LOST = 0,          /* ring-buffer events dropped (buffer full) */
	ST_PROFILES_FULL,     /* profiles map full: a new executable was not profiled */
	ST_PAIRS_FULL,        /* pairs map full: pairs not recorded */
	ST_OUT_OF_RANGE,      /* calls numbered >= 512, not profiled */
	ST_FORKS,             /* forks of watched tasks */
	ST_EXECS,             /* execs into watched executables */
	ST_EXITS,             /* exits of watched tasks */
	ST_TASKS_ADDED,       /* watched task states created (fork, exec, first call) */
	ST_TASKS_FREED,       /* watched task states freed at exit */
	ST_ANOMALIES,         /* anomalous calls */
	ST_STACKS_UNREAD,          /* anomalies whose user stack could not be read */
	ST_COUNT = 16,
};
VIGIL_WIRE_ENUM(vigil_seq_stat);

struct task_seq {
	struct vigil_profile_key key;
	__u64 ring[2];        /* anomaly bits of the last 128 calls */
	__u64 win[2];         /* the last 8 calls, 16 bits each, most recent in the low bits of win[0] */
	__u32 filled;
	__u32 lfc;
	__u32 pos;
	__u32 tracked;
	__u32 slot;           /* 1 + the profile's slot in profiles; 0 until resolved */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_seq);
} tasks SEC(".maps");

/* Executable -> its slot in profiles. Resolved once per task (at its first call after a
 * fork or exec), so the per-call path only indexes an array (inlined by the verifier). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vigil_profile_key);
	__type(value, __u32);
} profile_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vigil_profile);
} profiles SEC(".maps");

/* The next free slot of profiles (slots are never reused). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} profile_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32); /* VIGIL_PAIR_KEY(slot, cur) */
	__type(value, struct vigil_pair_bits);
} pairs SEC(".maps");

/* Executables to watch when filter_exes is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vigil_profile_key);
	__type(value, __u8);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ST_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static const struct vigil_pair_bits zero_bits;

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);
	if (v)
		*v += 1;
}

static __always_inline void key_of_file(struct vigil_profile_key *k, struct file *f)
{
	k->ino = BPF_CORE_READ(f, f_inode, i_ino);
	k->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	k->_pad = 0;
}

static __always_inline __u32 is_watched(struct vigil_profile_key *k, struct task_struct *task)
{
	if (BPF_CORE_READ(task, tgid) == self_tgid)
		return 0;
	if (!filter_exes)
		return 1;
	return bpf_map_lookup_elem(&watched, k) != 0;
}

/* Room to build an event with its stack (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_seq_event);
} seq_scratch SEC(".maps");

/* An anomaly carries the thread's user stack; the other events end before it. */
static __always_inline void emit(__u32 type, struct task_seq *t, struct vigil_profile *p, __u32 syscall, __u32 misses)
{
	__u32 zero = 0;
	struct vigil_seq_event *e = bpf_map_lookup_elem(&seq_scratch, &zero);
	if (!e)
		return;
	__u64 id = bpf_get_current_pid_tgid();
	e->type = type;
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->state = p ? (__u32)p->state : 0;
	e->ino = t->key.ino;
	e->dev = t->key.dev;
	e->syscall = syscall;
	e->ktime_ns = bpf_ktime_get_ns();
	e->calls = p ? p->calls : 0;
	e->anomalies = p ? p->anomalies : 0;
	e->lfc = t->lfc;
	e->misses = misses;
	for (int i = 0; i < VIGIL_SEQ_PREV; i++)
		e->window[i] = (__u16)(t->win[i >> 2] >> ((i & 3) * 16));
	e->filled = t->filled;
	e->_pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__u64 size = __builtin_offsetof(struct vigil_seq_event, ustack);
	if (type == VIGIL_EV_ANOMALY) {
		if (!vigil_user_stack(&e->ustack, vigil_stack_budget(&events)))
			count(ST_STACKS_UNREAD);
		size = VIGIL_STACK_EVENT_SIZE(e, ustack);
		if (size > sizeof(*e))
			size = sizeof(*e);
	}
	if (bpf_ringbuf_output(&events, e, size, 0) != 0)
		count(ST_LOST);
}

/* The state of a task seen for the first time (it existed before vigil attached). */
static __always_inline struct task_seq *first_seen(struct task_struct *task)
{
	struct task_seq *t = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe)
		return t; /* kernel thread: tracked stays 0 */
	key_of_file(&t->key, exe);
	t->tracked = is_watched(&t->key, task);
	if (t->tracked)
		count(ST_TASKS_ADDED);
	return t;
}

/* 1 + the slot of the task's profile, creating the profile if needed; 0 if the map is full. */
static __always_inline __u32 resolve(struct task_seq *t)
{
	__u32 *slot = bpf_map_lookup_elem(&profile_ids, &t->key);
	if (slot)
		return *slot + 1;
	__u32 zero = 0;
	__u64 *next = bpf_map_lookup_elem(&profile_next, &zero);
	if (!next)
		return 0;
	__u64 n = __sync_fetch_and_add(next, 1);
	if (n < max_profiles) {
		__u32 mine = (__u32)n;
		if (bpf_map_update_elem(&profile_ids, &t->key, &mine, BPF_NOEXIST) == 0) {
			emit(VIGIL_EV_PROFILE_NEW, t, 0, 0, 0);
			return mine + 1;
		}
		/* another CPU created it first (this slot stays unused) */
		slot = bpf_map_lookup_elem(&profile_ids, &t->key);
		if (slot)
			return *slot + 1;
	}
	count(ST_PROFILES_FULL);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_seq_enter, struct pt_regs *regs, long id)
{
	if (id == VIGIL_NR_URETPROBE)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_seq *t = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!t) {
		t = first_seen(task);
		if (!t)
			return 0;
	}
	if (!t->tracked)
		return 0;
	if ((__u64)id >= VIGIL_MAX_SYSCALLS) {
		count(ST_OUT_OF_RANGE);
		return 0;
	}
	__u32 slot = t->slot;
	if (!slot) {
		slot = resolve(t);
		if (!slot) {
			t->tracked = 0; /* not profiled: counted once in profiles_full */
			return 0;
		}
		t->slot = slot;
	}
	slot--;
	struct vigil_profile *p = bpf_map_lookup_elem(&profiles, &slot);
	if (!p)
		return 0;
	__u16 cur = (__u16)id;
	/* a plain increment, on every call: an atomic one cost 57 ns more per call here (measured
	 * side by side); when a program runs on two CPUs at once an increment may be lost, which
	 * only delays its training by a call */
	__u64 calls = ++p->calls;
	__u32 state = (__u32)p->state;
	__u32 pk = VIGIL_PAIR_KEY(slot, cur);
	struct vigil_pair_bits *b = bpf_map_lookup_elem(&pairs, &pk);
	__u32 limit = t->filled;
	if (limit > window - 1)
		limit = window - 1;
	/* bit d of unseen: the pair (cur, call d+1 before) is not in the profile. Branch-free
	 * over the whole window, since nearly every call of a trained program is seen. */
	__u32 unseen = (1U << limit) - 1;
	if (b) {
		__u64 w0 = t->win[0], w1 = t->win[1];
		__u32 have = 0;
#pragma unroll
		for (int d = 0; d < VIGIL_SEQ_PREV; d++) {
			__u32 prev = (__u32)((d < 4 ? w0 : w1) >> ((d & 3) * 16)) & (VIGIL_MAX_SYSCALLS - 1);
			have |= (__u32)((b->bits[d][prev >> 6] >> (prev & 63)) & 1) << d;
		}
		unseen &= ~have;
	}
	__u32 misses = 0, added = 0;
	if (unseen && state != VIGIL_PROFILE_TRAINING) {
		for (int d = 0; d < VIGIL_SEQ_PREV; d++)
			misses += (unseen >> d) & 1;
	} else if (unseen) {
		if (!b) {
			bpf_map_update_elem(&pairs, &pk, &zero_bits, BPF_NOEXIST);
			b = bpf_map_lookup_elem(&pairs, &pk);
		}
		if (!b) {
			count(ST_PAIRS_FULL);
		} else {
			__u64 w0 = t->win[0], w1 = t->win[1];
			for (int d = 0; d < VIGIL_SEQ_PREV; d++) {
				if (!((unseen >> d) & 1))
					continue;
				__u32 prev = (__u32)((d < 4 ? w0 : w1) >> ((d & 3) * 16)) & (VIGIL_MAX_SYSCALLS - 1);
				__u64 bit = 1ULL << (prev & 63);
				if (!(__sync_fetch_and_or(&b->bits[d][prev >> 6], bit) & bit))
					added++;
			}
		}
	}
	if (added) {
		__sync_fetch_and_add(&p->pairs, added);
		p->last_new = calls;
	}
	if (state == VIGIL_PROFILE_TRAINING && calls >= min_calls && calls - p->last_new >= stable_calls) {
		if (__sync_bool_compare_and_swap(&p->state, VIGIL_PROFILE_TRAINING, VIGIL_PROFILE_NORMAL))
			emit(VIGIL_EV_STATE, t, p, cur, VIGIL_REASON_TRAINED);
	}
	/* the locality frame: anomalies in the task's last 128 calls */
	__u32 pos = t->pos & 127;
	__u64 mask = 1ULL << (pos & 63);
	__u32 w = (pos >> 6) & 1;
	__u32 was = (t->ring[w] & mask) ? 1 : 0;
	__u32 now = misses ? 1 : 0;
	if (now != was) {
		t->ring[w] ^= mask;
		t->lfc = t->lfc + now - was;
	}
	t->pos = pos + 1;
	if (now) {
		__sync_fetch_and_add(&p->anomalies, 1);
		count(ST_ANOMALIES);
		emit(VIGIL_EV_ANOMALY, t, p, cur, misses);
		if (t->lfc > tolerize_limit &&
		    __sync_bool_compare_and_swap(&p->state, VIGIL_PROFILE_NORMAL, VIGIL_PROFILE_TRAINING)) {
			p->last_new = calls;
			__sync_fetch_and_add(&p->tolerized, 1);
			t->ring[0] = 0;
			t->ring[1] = 0;
			t->lfc = 0;
			emit(VIGIL_EV_STATE, t, p, cur, VIGIL_REASON_TOLERIZED);
		}
	}
	t->win[1] = (t->win[1] << 16) | (t->win[0] >> 48);
	t->win[0] = (t->win[0] << 16) | cur;
	if (t->filled < VIGIL_SEQ_PREV)
		t->filled++;
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_seq_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_seq *pt = bpf_task_storage_get(&tasks, parent, 0, 0);
	if (!pt || !pt->tracked)
		return 0;
	struct task_seq *ct = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ct)
		return 0;
	count(ST_FORKS);
	count(ST_TASKS_ADDED);
	ct->key = pt->key;
	ct->slot = pt->slot;
	ct->win[0] = pt->win[0];
	ct->win[1] = pt->win[1];
	ct->filled = pt->filled;
	ct->ring[0] = 0;
	ct->ring[1] = 0;
	ct->lfc = 0;
	ct->pos = 0;
	ct->tracked = 1;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_seq_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_seq *t = bpf_task_storage_get(&tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	__u32 was = t->tracked;
	key_of_file(&t->key, BPF_CORE_READ(bprm, file));
	t->tracked = is_watched(&t->key, p);
	t->slot = 0;
	t->filled = 0;
	t->ring[0] = 0;
	t->ring[1] = 0;
	t->lfc = 0;
	t->pos = 0;
	if (t->tracked) {
		count(ST_EXECS);
		if (!was)
			count(ST_TASKS_ADDED);
	} else if (was) {
		count(ST_TASKS_FREED);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_seq_exit, struct task_struct *p)
{
	struct task_seq *t = bpf_task_storage_get(&tasks, p, 0, 0);
	if (!t)
		return 0;
	if (t->tracked) {
		count(ST_EXITS);
		count(ST_TASKS_FREED);
	}
	bpf_task_storage_delete(&tasks, p);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

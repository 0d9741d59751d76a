// SPDX-License-Identifier: GPL-2.0
/*
 * What each workload does, first-seen filtered in the kernel: the system calls its
 * processes make, the files they open (by intent), the network endpoints they connect to,
 * bind, listen on and accept from, and the high-risk calls they make. Only the first sight
 * of an item in a workload crosses to user space, so the per-call path stays a task-storage
 * lookup, an array lookup and a bit test.
 *
 * Workload slots. A process that starts a program in a cgroup other than the one its
 * workload began in (systemd starting a service, a container runtime starting a container)
 * begins a workload: its slot is keyed by (cgroup id, executable, argv) and resolved once,
 * at that exec. Forks inherit their parent's slot, and so do execs in the same cgroup, so a
 * shell a web application spawns, and what it runs, count in the web application's slot.
 * A process running before vigil started is given its slot at its first call. The key is
 * at least as fine as user space's workload key (unit or container, program, script), so a
 * slot never mixes two workloads; several slots may map to one workload (user space
 * dedups).
 *
 * One tp_btf sys_enter program dispatches on the call number through the rules array
 * (filled by user space from the host's call table): calls whose result matters (a failed
 * open is not a file the program uses) are kept in task storage at entry and judged at
 * exit, when the path has been faulted in, by one program attached to those calls' own
 * syscalls:sys_exit_<call> tracepoints only, so no BPF program runs at the exit of the
 * other calls. Relative paths come with the directory they are relative to, walked from
 * the dentry. Needs tp_btf, syscall trace events and task storage (5.11+).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "events.h"
#define VIGIL_STATS_MAX 16
#include "collect.h"
#include "path.h"
#include "task_w.h"
#include "probe_stack.h"
#include "stack.h"
#include "ns.h"

VIGIL_WIRE_STRUCT(vigil_slot_event);
VIGIL_WIRE_STRUCT(vigil_item_event);
VIGIL_WIRE_STRUCT(vigil_maps_event);
VIGIL_WIRE_STRUCT(vigil_vma);
VIGIL_WIRE_STRUCT(vigil_call_rule);
VIGIL_WIRE_STRUCT(vigil_slot);
VIGIL_WIRE_STRUCT(vigil_slot_key);
VIGIL_WIRE_STRUCT(vigil_seen_key);
VIGIL_WIRE_STRUCT(vigil_seen);
VIGIL_WIRE_ENUM(vigil_event_type);
VIGIL_WIRE_ENUM(vigil_call_action);
VIGIL_WIRE_ENUM(vigil_item_kind);
VIGIL_WIRE_ENUM(vigil_net_class);
VIGIL_WIRE_ENUM(vigil_slot_reason);

/* collect.h's stats slots 0 (lost) and 1 (sent), then these */
enum vigil_workload_stat {
	WST_SLOTS_FULL = 2,   /* a workload started when every slot was taken: not profiled */
	WST_ITEMS = 3,        /* first sights sent (the rest of collect.h's sent: slot events) */
	WST_PATH_TRUNCATED = 4, /* a path longer than the event holds, or deeper than the walk */
	WST_RUNTIME_INIT = 5, /* a container runtime's init exec'd into a cgroup: its next exec begins the workload */
	WST_NO_STACK = 6,     /* a first sight whose user stack could not be read */
	WST_STACK_SHORT = 7,  /* a first sight whose stack copy was cut short: the ring was filling (stack.h) */
	WST_MAPS = 8,         /* mappings events sent */
	WST_MAPS_CUT = 9,     /* mappings events with more executable mappings than they hold */
	WST_COUNT = 10,
};
VIGIL_WIRE_ENUM(vigil_workload_stat);

const volatile __u32 max_slots = 4096;

#define AT_FDCWD -100
#define O_ACCMODE 3
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_PATH 010000000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/* struct task_w and the tasks map: task_w.h (shared with exec.bpf.c) */

#define ACTIVITY_BATCH 1024

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct vigil_call_rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vigil_slot_key);
	__type(value, __u32);
} slot_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vigil_slot);
} slots SEC(".maps");

/* Per slot, the live tasks whose slot or fork_slot it is (a map of its own: user space
 * rewrites slots' values, never these): at 0 with its cgroup gone, user space reclaims it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __s32);
} slot_refs SEC(".maps");

/* Per slot, its first sights the ring buffer had no room for: the coverage alert names the
 * workloads that lost some (each lost item is un-marked, so it crosses at its next use). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} slot_lost SEC(".maps");

static __always_inline void lost_in(__u32 slot)
{
	vigil_count(VIGIL_STAT_LOST);
	if (!slot)
		return;
	__u32 idx = slot - 1;
	__u64 *n = bpf_map_lookup_elem(&slot_lost, &idx);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* [0]: the next never-used slot index; [1]: the reclaim generation (user space adds one
 * after each reclaim that freed slots). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} slot_next SEC(".maps");

/* Slot indexes reclaimed by user space (their cgroup gone, no task holding them): taken
 * before a never-used one, so short-lived cgroups cannot use the table up. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4096);
	__type(value, __u32);
} slot_free SEC(".maps");

/* Items already sent, by workload slot: bounded; an evicted item crosses again (user space
 * knows it). User space marks the ones it alerted as novel: their repeats are counted here
 * instead of crossing again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_seen_key);
	__type(value, struct vigil_seen);
} seen SEC(".maps");

/* Per-CPU room to build an event (too big for the stack) and to walk a path backwards. */
struct scratch {
	struct vigil_item_event e;
	char walk[2 * VIGIL_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static __always_inline __u64 fnv(__u64 h, __u64 v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (i * 8)) & 0xff;
		h *= 1099511628211ULL;
	}
	return h;
}

/* FNV-1a of a NUL-terminated string of at most VIGIL_PATH_MAX bytes. */
static __always_inline __u64 fnv_str(__u64 h, const char *s)
{
	for (int i = 0; i < VIGIL_PATH_MAX; i++) {
		char c = s[i];
		if (!c)
			break;
		h ^= (__u8)c;
		h *= 1099511628211ULL;
	}
	return h;
}

#define FNV_SEED 14695981039346656037ULL

/* ------------------------------------------------------------------ workload slots */

/* Room to walk a started program's path (exec only; items use scratch_map's). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[2 * VIGIL_PATH_MAX]);
} slot_walk SEC(".maps");

static __always_inline void slot_event(struct task_struct *task, __u32 slot, __u32 reason, struct linux_binprm *bprm)
{
	struct vigil_slot_event *e = vigil_reserve(sizeof(*e));
	if (!e)
		return;
	vigil_header(&e->h, VIGIL_EV_SLOT);
	e->slot = slot;
	e->reason = reason;
	e->filename[0] = 0;
	e->exe[0] = 0;
	struct task_w *t = bpf_task_storage_get(&tasks, task, 0, 0);
	e->from_slot = t ? t->fork_slot : 0;
	e->from_cgroup = t ? t->fork_cgroup : 0;
	vigil_task_ns(task, &e->mnt_ns, &e->pid_level, e->pid_ns);
	if (bprm) {
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
		__u32 zero = 0;
		e->flags = vigil_exec_file(bprm, bpf_map_lookup_elem(&slot_walk, &zero), e->exe);
	} else {
		e->flags = 0;
	}
	vigil_read_argv(task, e->args, &e->args_len, &e->args_total);
	vigil_submit(e);
}

/* The slot of a workload starting as the current task runs exe: found or created. */
static __always_inline __u32 slot_of(struct task_struct *task, struct file *exe, __u64 cgroup, int running, struct linux_binprm *bprm)
{
	struct vigil_slot_key k = {};
	k.cgroup = cgroup;
	k.ino = BPF_CORE_READ(exe, f_inode, i_ino);
	k.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	/* argv's hash over its first 256 bytes (a script, a jar, a main class is in them) */
	unsigned long start = BPF_CORE_READ(task, mm, arg_start), end = BPF_CORE_READ(task, mm, arg_end);
	__u64 words[32] = {};
	__u64 len = end > start ? end - start : 0;
	if (len > sizeof(words) - 1)
		len = sizeof(words) - 1;
	if (len > 0)
		bpf_probe_read_user(words, len & 255, (void *)start);
	__u64 h = FNV_SEED;
	for (int i = 0; i < 32; i++)
		h = fnv(h, words[i]);
	k.argv_hash = h;
	__u32 *id = bpf_map_lookup_elem(&slot_ids, &k);
	if (id) {
		if (!running) /* a restart; another process of a running workload says nothing new */
			slot_event(task, *id + 1, VIGIL_SLOT_ROOT, bprm);
		return *id + 1;
	}
	__u32 zero = 0, mine;
	if (bpf_map_pop_elem(&slot_free, &mine) != 0) {
		__u64 *next = bpf_map_lookup_elem(&slot_next, &zero);
		if (!next)
			return 0;
		__u64 n = __sync_fetch_and_add(next, 1);
		if (n >= max_slots) {
			vigil_count(WST_SLOTS_FULL);
			return 0;
		}
		mine = (__u32)n;
	}
	if (bpf_map_update_elem(&slot_ids, &k, &mine, BPF_NOEXIST) != 0) {
		bpf_map_push_elem(&slot_free, &mine, 0); /* not used: free again */
		id = bpf_map_lookup_elem(&slot_ids, &k); /* another CPU made it first */
		return id ? *id + 1 : 0;
	}
	slot_event(task, mine + 1, running ? VIGIL_SLOT_RUNNING : VIGIL_SLOT_NEW, bprm);
	return mine + 1;
}

/* A task took (delta 1) or let go of (-1) a slot, as its slot or its fork_slot. */
static __always_inline void slot_ref(__u32 slot, int delta)
{
	if (!slot)
		return;
	__u32 idx = slot - 1;
	__s32 *refs = bpf_map_lookup_elem(&slot_refs, &idx);
	if (refs)
		__sync_fetch_and_add(refs, delta);
}

/* Sets a task's slot (its reference moves with it); a task left without one (a full
 * table) is marked to be resolved again after the next reclaim. */
static __always_inline void set_slot(struct task_w *t, __u32 slot)
{
	if (t->slot != slot) {
		slot_ref(t->slot, -1);
		slot_ref(slot, 1);
		t->slot = slot;
	}
	t->retry = 0;
	if (!slot) {
		__u32 one = 1;
		__u64 *gen = bpf_map_lookup_elem(&slot_next, &one);
		t->retry = gen ? (__u32)*gen + 1 : 1;
	}
}

/* Adds a task's unflushed calls to its slot's activity. */
static __always_inline void flush_activity(struct task_w *t)
{
	if (!t->slot || !t->calls)
		return;
	__u32 idx = t->slot - 1;
	struct vigil_slot *w = bpf_map_lookup_elem(&slots, &idx);
	if (w)
		__sync_fetch_and_add(&w->activity, t->calls);
	t->calls = 0;
}

/*
 * Where each new process of a workload was started from: its parent's user stack at the fork,
 * read in the parent (sched_process_fork runs in it, inside its clone), kept for the child
 * until user space asks for it with a novel program the child runs (popen's caller, not
 * posix_spawn's child on its own small stack). Every fork pays for it, so it is written in
 * place into a ring of the last VIGIL_SPAWN_RING forks (no hash map update, no second copy:
 * an LRU hash update of the 4 KiB value cost 2.1 us of the 4.8 us the fork hook took), and
 * the children's pids go into one small table user space reads to find one.
 */
#define VIGIL_SPAWN_SNAP 4096
#define VIGIL_SPAWN_RING 512

/* struct vigil_user_stack cut after VIGIL_SPAWN_SNAP bytes of its copy (the same layout up
 * to there), after the child's pid and the fork's sequence number (1 + its position in the
 * stream of forks: the newest of two entries for one pid, a reused one, wins) */
struct vigil_spawn_stack {
	__u64 seq;
	__u32 pid;
	__u32 _pad;
	__u8 head[__builtin_offsetof(struct vigil_user_stack, snap)];
	__u8 snap[VIGIL_SPAWN_SNAP];
};

struct vigil_spawn_pids {
	__u32 pid[VIGIL_SPAWN_RING];
};
VIGIL_WIRE_STRUCT(vigil_spawn_stack);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_SPAWN_RING);
	__type(key, __u32);
	__type(value, struct vigil_spawn_stack);
} spawn_stacks SEC(".maps");

/* [0]: the pid each ring entry is for (0 while it is written) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_spawn_pids);
} spawn_pids SEC(".maps");

__u64 spawn_seq = 0;

__noinline int vigil_send_maps(void); /* below: the mappings event */

static __always_inline void spawn_stack(__u32 child)
{
	__u32 zero = 0;
	__u64 seq = __sync_fetch_and_add(&spawn_seq, 1);
	__u32 idx = (__u32)seq & (VIGIL_SPAWN_RING - 1);
	struct vigil_spawn_stack *s = bpf_map_lookup_elem(&spawn_stacks, &idx);
	struct vigil_spawn_pids *pids = bpf_map_lookup_elem(&spawn_pids, &zero);
	if (!s || !pids)
		return;
	pids->pid[idx & (VIGIL_SPAWN_RING - 1)] = 0;
	struct vigil_user_stack *u = (struct vigil_user_stack *)s->head;
	vigil_stack_regs(bpf_get_current_task_btf(), u->regs);
	u->flags = 0;
	u->nstack = 0; /* no frame-pointer walk: user space unwinds the copy */
	u->stack_err = 0;
	u->snap_len = VIGIL_SNAP_COPY(s->snap, VIGIL_SPAWN_SNAP, VIGIL_SPAWN_SNAP, u->regs[1]);
	s->pid = child;
	s->seq = seq + 1;
	pids->pid[idx & (VIGIL_SPAWN_RING - 1)] = child;
	if (vigil_stack_budget(&events) > 0)
		vigil_send_maps(); /* the parent's code, by its mappings (it may be gone by the alert) */
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_w_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_w *pt = bpf_task_storage_get(&tasks, parent, 0, 0);
	if (!pt || (!pt->slot && !pt->pending))
		return 0;
	struct task_w *ct = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ct)
		return 0;
	/* a new task has no storage yet; were there any, its references are let go first */
	slot_ref(ct->slot, -1);
	slot_ref(ct->fork_slot, -1);
	ct->cgroup = pt->cgroup;
	ct->slot = pt->slot;
	ct->fork_cgroup = pt->cgroup;
	ct->fork_slot = pt->slot;
	slot_ref(pt->slot, 2);
	ct->retry = 0;
	ct->pending = pt->pending;
	ct->action = 0;
	ct->calls = 0;
	if (child->pid == child->tgid && pt->slot) /* a new process, not a thread */
		spawn_stack(child->pid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_w_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!vigil_pass())
		return 0;
	struct task_w *t = bpf_task_storage_get(&tasks, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	t->action = 0;
	__u64 cg = bpf_get_current_cgroup_id();
	if (runtime_init(p, bprm)) { /* in its runtime's cgroup or already in the container's: never profiled, whichever won the race */
		flush_activity(t);
		t->cgroup = cg;
		set_slot(t, 0);
		t->retry = 0;
		t->pending = 1;
		vigil_count(WST_RUNTIME_INIT);
		return 0;
	}
	if (t->slot && t->cgroup == cg)
		return 0; /* started by its own workload: judged there */
	flush_activity(t);
	t->cgroup = cg;
	t->pending = 0;
	set_slot(t, slot_of(p, BPF_CORE_READ(bprm, file), cg, 0, bprm));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_w_exit, struct task_struct *p)
{
	struct task_w *t = bpf_task_storage_get(&tasks, p, 0, 0);
	if (!t)
		return 0;
	flush_activity(t);
	slot_ref(t->slot, -1);
	slot_ref(t->fork_slot, -1);
	bpf_task_storage_delete(&tasks, p);
	return 0;
}

/* ------------------------------------------------------------------ items */

static __always_inline struct scratch *scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* Sends e if (slot, kind, hash) is a first sight; forgets it again if the event is lost. */
/* Has the item (its slot, kind and hash) crossed before? A repeat of a novel one is counted. */
static __always_inline int seen_item(__u32 slot, __u32 kind, __u64 hash)
{
	struct vigil_seen_key k = { .slot = slot, .kind = kind, .hash = hash };
	struct vigil_seen *v = bpf_map_lookup_elem(&seen, &k);
	if (!v)
		return 0;
	if (v->novel)
		__sync_fetch_and_add(&v->repeats, 1);
	return 1;
}

static __always_inline int seen_before(struct vigil_item_event *e)
{
	return seen_item(e->slot, e->kind, e->hash);
}

/* ------------------------------------------------------------------ mappings */

extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task, __u64 addr) __ksym __weak;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym __weak;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym __weak;

#define VM_WRITE 0x2
#define VM_EXEC 0x4

/* The address space (mm, and its count of mappings) whose mappings each process last sent: sent
 * again after an exec or once its mappings changed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} maps_sent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_maps_event);
} maps_scratch SEC(".maps");

/*
 * Sends the current process's executable mappings before a first sight's stack crosses, when
 * they are not the ones it last sent (another program, or mappings added or removed since): user space reads /proc/PID/maps at the first sight,
 * but a short-lived process (a forked worker, a one-liner, a server that re-executes itself)
 * is gone, or is another program, by then.
 */
__noinline int vigil_send_maps(void) /* global: verified once, not at each first sight's call site */
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	if (!mm)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	/* the address space and how many mappings it has: another program (an exec), or mappings
	 * added or removed since (the loader mapping libraries, a dlopen) */
	__u64 id = (__u64)mm ^ ((__u64)BPF_CORE_READ(mm, map_count) << 48);
	__u64 *was = bpf_map_lookup_elem(&maps_sent, &tgid);
	if (was && *was == id)
		return 0;
	__u32 zero = 0;
	struct vigil_maps_event *m = bpf_map_lookup_elem(&maps_scratch, &zero);
	if (!m)
		return 0;
	vigil_header(&m->h, VIGIL_EV_MAPS);
	__u64 vdso = (__u64)BPF_CORE_READ(mm, context.vdso);
	__u64 xol = BPF_CORE_READ(mm, uprobes_state.xol_area, vaddr);
	/* the counts live in the event, not in registers: the verifier then sees one state per
	 * iteration, not one per count (which it cannot finish) */
	m->n = 0;
	m->total = 0;
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	bpf_iter_task_vma_new(&it, task, 0);
	while ((vma = bpf_iter_task_vma_next(&it))) {
		__u64 flags = BPF_CORE_READ(vma, vm_flags);
		if (!(flags & VM_EXEC))
			continue;
		m->total++;
		__u32 i = m->n;
		if (i >= VIGIL_MAPS_MAX)
			continue;
		struct vigil_vma *v = &m->vma[i & (VIGIL_MAPS_MAX - 1)];
		v->start = BPF_CORE_READ(vma, vm_start);
		v->end = BPF_CORE_READ(vma, vm_end);
		v->offset = BPF_CORE_READ(vma, vm_pgoff) << 12;
		v->flags = flags & VM_WRITE ? VIGIL_VMA_WRITE : 0;
		v->ino = 0;
		v->dev = 0;
		v->name[0] = 0;
		struct file *f = BPF_CORE_READ(vma, vm_file);
		if (f) {
			struct inode *ino = BPF_CORE_READ(f, f_inode);
			v->ino = BPF_CORE_READ(ino, i_ino);
			v->dev = BPF_CORE_READ(ino, i_sb, s_dev);
			if (BPF_CORE_READ(ino, __i_nlink) == 0)
				v->flags |= VIGIL_VMA_DELETED;
			const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
			bpf_probe_read_kernel_str(v->name, sizeof(v->name), name);
		} else if (v->start == vdso) {
			v->flags |= VIGIL_VMA_VDSO;
		} else if (xol && v->start == xol) {
			v->flags |= VIGIL_VMA_UPROBES;
		}
		m->n = i + 1;
	}
	bpf_iter_task_vma_destroy(&it);
	__u32 n = m->n, total = m->total;
	__u64 size = __builtin_offsetof(struct vigil_maps_event, vma) + (__u64)(n & (2 * VIGIL_MAPS_MAX - 1)) * sizeof(struct vigil_vma);
	if (size > sizeof(*m))
		size = sizeof(*m);
	if (bpf_ringbuf_output(&events, m, size, 0) != 0)
		return 0; /* lost: user space falls back to /proc/PID/maps; the next first sight tries again */
	bpf_map_update_elem(&maps_sent, &tgid, &id, BPF_ANY);
	vigil_count(WST_MAPS);
	if (total > n)
		vigil_count(WST_MAPS_CUT);
	return 1;
}

/*
 * Sends an item event built in e: with the probed functions it was made in, the thread's user
 * stack (as much as the ring's fill allows) and, before it, the process's mappings when they
 * changed. Only the stack bytes copied cross: the rest of the event is a fixed 1.3 KiB. 0 when
 * sent, else the ring was full (counted against the slot).
 */
static __always_inline int send_item(struct vigil_item_event *e)
{
	vigil_header(&e->h, VIGIL_EV_ITEM);
	e->nframes = vigil_call_frames(e->frames, &e->depth); /* the probed functions it was made in (custom probes) */
	__u32 budget = vigil_stack_budget(&events);
	if (budget < VIGIL_STACK_SNAP)
		vigil_count(WST_STACK_SHORT);
	if (budget > 0)
		vigil_send_maps(); /* before the item, so that user space has them when it symbolizes its stack */
	if (!vigil_user_stack(&e->ustack, budget))
		vigil_count(WST_NO_STACK);
	__u64 size = VIGIL_STACK_EVENT_SIZE(e, ustack);
	if (size > sizeof(*e))
		size = sizeof(*e);
	if (bpf_ringbuf_output(&events, e, size, 0) != 0) {
		lost_in(e->slot);
		return -1;
	}
	vigil_count(VIGIL_STAT_SENT);
	vigil_count(WST_ITEMS);
	return 0;
}

static __always_inline void first_sight(struct vigil_item_event *e)
{
	struct vigil_seen_key k = { .slot = e->slot, .kind = e->kind, .hash = e->hash };
	if (seen_before(e))
		return;
	struct vigil_seen fresh = {};
	if (bpf_map_update_elem(&seen, &k, &fresh, BPF_NOEXIST) != 0)
		return; /* another thread sent it */
	if (send_item(e) != 0)
		bpf_map_delete_elem(&seen, &k); /* lost: seen again next time */
}

static __always_inline void item_init(struct vigil_item_event *e, __u32 slot, __u32 kind, __u32 nr, __u32 action)
{
	e->slot = slot;
	e->kind = kind;
	e->syscall = nr;
	e->action = action;
	e->ret = 0;
	e->flags = 0;
	e->args[0] = e->args[1] = e->args[2] = e->args[3] = 0;
	e->family = 0;
	e->port = 0;
	e->net_class = 0;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	e->path[0] = 0;
	e->dir[0] = 0;
	e->real[0] = 0;
}

/* The file open as fd in the current task, or 0. */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	if (fd < 0)
		return 0;
	/* BTF pointers walked with plain loads (the verifier makes them fault-safe) */
	struct fdtable *fdt = task->files->fdt;
	if ((unsigned long)fd >= fdt->max_fds)
		return 0;
	struct file **arr = fdt->fd;
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/* The directory a relative path is resolved against: the working directory or dfd's. */
static __always_inline struct path *base_dir(struct task_struct *task, long dfd, struct path *tmp)
{
	if ((int)dfd == AT_FDCWD) {
		*tmp = BPF_CORE_READ(task, fs, pwd);
		return tmp;
	}
	struct file *f = fd_file(task, dfd);
	if (!f)
		return 0;
	*tmp = BPF_CORE_READ(f, f_path);
	return tmp;
}

/* A file opened (ret is its fd): the item is the file the kernel opened, not the string that was
 * passed. Keyed by the opened file's inode and mount, named by walking its f_path, so a symlink,
 * a path of ././.. or one longer than the event holds cannot hide which file it was (the path as
 * passed travels beside it, for "through /tmp/x"). 0 when there is no such fd. */
static __always_inline int opened_item(struct task_struct *task, struct task_w *t, const char *upath, __u64 flags, long ret)
{
	struct file *f = fd_file(task, ret);
	if (!f)
		return 0;
	struct path fp = BPF_CORE_READ(f, f_path);
	__u64 intent = flags & (O_ACCMODE | O_CREAT | O_TRUNC);
	__u64 h = fnv(fnv(fnv(FNV_SEED, t->action), intent), 0x6f70656eULL); /* "open": apart from items hashed by their path */
	struct inode *ino = BPF_CORE_READ(fp.dentry, d_inode);
	__u64 i_ino = BPF_CORE_READ(ino, i_ino);
	h = fnv(h, i_ino);
	h = fnv(h, (__u64)(unsigned long)fp.mnt);
	if (seen_item(t->slot, VIGIL_ITEM_FILE, h)) /* known: no event built, no walk (the common case: one lookup) */
		return 1;
	struct scratch *s = scratch();
	if (!s)
		return 1;
	struct vigil_item_event *e = &s->e;
	item_init(e, t->slot, VIGIL_ITEM_FILE, t->nr, t->action);
	e->ret = ret;
	e->flags = flags;
	e->hash = h;
	/* which file it is whatever its name: a hard link's path names the link, not the file */
	e->args[0] = i_ino;
	e->args[1] = BPF_CORE_READ(ino, i_sb, s_dev);
	e->args[2] = BPF_CORE_READ(ino, __i_nlink);
	if (upath && bpf_probe_read_user_str(e->path, sizeof(e->path), upath) <= 0)
		e->path[0] = 0;
	if (vigil_walk_path(&fp, s->walk, e->real))
		vigil_count(WST_PATH_TRUNCATED);
	first_sight(e);
	return 1;
}

/* Starts a file item in the scratch event, its path copied from user memory (a cut one
 * counted); 0 when there is no path to read. */
static __always_inline struct scratch *path_item(struct task_w *t, const char *upath, __u64 flags, long ret)
{
	struct scratch *s = scratch();
	if (!s || !upath)
		return 0;
	item_init(&s->e, t->slot, VIGIL_ITEM_FILE, t->nr, t->action);
	s->e.ret = ret;
	s->e.flags = flags;
	long n = bpf_probe_read_user_str(s->e.path, sizeof(s->e.path), upath);
	if (n <= 0)
		return 0;
	if (n >= VIGIL_PATH_MAX)
		vigil_count(WST_PATH_TRUNCATED);
	return s;
}

/* A file item: path (user memory) relative to dfd, with flags (its intent). */
static __always_inline void file_item(struct task_struct *task, struct task_w *t, long dfd, const char *upath, __u64 flags, long ret)
{
	struct scratch *s = path_item(t, upath, flags, ret);
	if (!s)
		return;
	struct vigil_item_event *e = &s->e;
	/* the item: action and intent bits, then the path (and its base directory when relative) */
	__u64 intent = flags & (O_ACCMODE | O_CREAT | O_TRUNC);
	__u64 h = fnv(fnv(FNV_SEED, t->action), intent);
	h = fnv_str(h, e->path);
	struct path tmp;
	if (e->path[0] != '/') {
		struct path *base = base_dir(task, dfd, &tmp);
		if (base) {
			struct dentry *dd = BPF_CORE_READ(base, dentry);
			h = fnv(h, BPF_CORE_READ(dd, d_inode, i_ino));
			h = fnv(h, (__u64)(unsigned long)BPF_CORE_READ(base, mnt));
			e->hash = h;
			if (seen_before(e)) /* known: no walk */
				return;
			if (vigil_walk_path(base, s->walk, e->dir))
				vigil_count(WST_PATH_TRUNCATED);
		}
	}
	e->hash = h;
	first_sight(e);
}

/* A link made (link, linkat, symlink, symlinkat): the item is what it links to (target, as
 * passed, relative to dfd's directory; for linkat with an empty path, dfd's own file), the
 * link's name beside it in real. Keyed by the target, so a thousand links to one file are
 * one item. */
static __always_inline void link_item(struct task_struct *task, struct task_w *t, long dfd, const char *target, const char *name, long ret)
{
	struct scratch *s = path_item(t, target, 0, ret);
	if (!s)
		return;
	struct vigil_item_event *e = &s->e;
	__u64 h = fnv(fnv(FNV_SEED, t->action), 0x6c696e6bULL); /* "link" */
	h = fnv_str(h, e->path);
	struct path tmp, *base = 0;
	if (e->path[0] != '/') { /* relative, or empty: dfd's own file (AT_EMPTY_PATH) */
		if (e->path[0] == 0) {
			struct file *f = fd_file(task, dfd);
			if (f) {
				tmp = BPF_CORE_READ(f, f_path);
				base = &tmp;
			}
		} else {
			base = base_dir(task, dfd, &tmp);
		}
		if (base) {
			h = fnv(h, BPF_CORE_READ(base, dentry, d_inode, i_ino));
			h = fnv(h, (__u64)(unsigned long)BPF_CORE_READ(base, mnt));
		}
	}
	e->hash = h;
	if (seen_before(e))
		return;
	if (base && vigil_walk_path(base, s->walk, e->dir))
		vigil_count(WST_PATH_TRUNCATED);
	if (!name || bpf_probe_read_user_str(e->real, sizeof(e->real), name) <= 0)
		e->real[0] = 0;
	first_sight(e);
}

static __always_inline __u32 class4(const __u8 *a)
{
	if (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0)
		return VIGIL_NET_ANY;
	if (a[0] == 127)
		return VIGIL_NET_LOOPBACK;
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64))
		return VIGIL_NET_PRIVATE;
	if (a[0] == 169 && a[1] == 254)
		return VIGIL_NET_LINK_LOCAL;
	if ((a[0] & 0xf0) == 224)
		return VIGIL_NET_MULTICAST;
	return VIGIL_NET_PUBLIC;
}

/* The class of an address (IPv4-mapped IPv6 addresses become IPv4, in place). */
static __always_inline __u32 net_class(__u16 *family, __u8 *a)
{
	if (*family == AF_INET)
		return class4(a);
	int zero10 = 1;
	for (int i = 0; i < 10; i++)
		if (a[i])
			zero10 = 0;
	if (zero10 && a[10] == 0xff && a[11] == 0xff) {
		*family = AF_INET;
		a[0] = a[12]; a[1] = a[13]; a[2] = a[14]; a[3] = a[15];
		for (int i = 4; i < 16; i++)
			a[i] = 0;
		return class4(a);
	}
	if (zero10 && !a[10] && !a[11] && !a[12] && !a[13] && !a[14] && (a[15] == 0 || a[15] == 1))
		return a[15] == 1 ? VIGIL_NET_LOOPBACK : VIGIL_NET_ANY;
	if ((a[0] & 0xfe) == 0xfc)
		return VIGIL_NET_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return VIGIL_NET_LINK_LOCAL;
	if (a[0] == 0xff)
		return VIGIL_NET_MULTICAST;
	return VIGIL_NET_PUBLIC;
}

/* The socket open as fd, or 0. */
static __always_inline struct socket *fd_socket(struct task_struct *task, long fd)
{
	struct file *f = fd_file(task, fd);
	return f ? (struct socket *)BPF_CORE_READ(f, private_data) : 0; /* f came from a probe read: not a BTF pointer */
}

/* ------------------------------------------------------------------ domains */

/* A getaddrinfo call under way, by thread: the name asked and where the answer goes. */
struct gai_call {
	__u64 res;           /* struct addrinfo ** */
	struct vigil_dns_name name;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gai_call);
} gai_calls SEC(".maps");

/* The addresses getaddrinfo answered, by process, with the name asked: a connection to one
 * of them is an item of that name, not of the public class alone. Bounded (least recently
 * used out: a connection to an evicted address is the class's item again). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vigil_dns_key);
	__type(value, struct vigil_dns_name);
} dns_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gai_call);
} gai_scratch SEC(".maps");

/* getaddrinfo(node, service, hints, res) entered (a uprobe on each resolver library). */
SEC("uprobe")
int vigil_w_gai(struct pt_regs *ctx)
{
	const char *node = (const char *)PT_REGS_PARM1(ctx);
	void *res = (void *)PT_REGS_PARM4(ctx);
	__u32 zero = 0;
	struct gai_call *c = bpf_map_lookup_elem(&gai_scratch, &zero);
	if (!c || !node || !res)
		return 0;
	c->res = (__u64)res;
	if (bpf_probe_read_user_str(c->name.name, sizeof(c->name.name), node) <= 1)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&gai_calls, &tid, c, BPF_ANY);
	return 0;
}

/* struct addrinfo (LP64): ai_family at 4, ai_addr at 24, ai_next at 40. */
#define AI_FAMILY 4
#define AI_ADDR 24
#define AI_NEXT 40
#define GAI_ANSWERS 8

/* getaddrinfo returned: each address of a successful answer (the first GAI_ANSWERS) is the name's. */
SEC("uretprobe")
int vigil_w_gai_ret(struct pt_regs *ctx)
{
	int rc = (int)PT_REGS_RC(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct gai_call *c = bpf_map_lookup_elem(&gai_calls, &tid);
	if (!c)
		return 0;
	if (rc != 0)
		goto out;
	__u64 ai = 0;
	bpf_probe_read_user(&ai, sizeof(ai), (void *)c->res);
	for (int i = 0; i < GAI_ANSWERS && ai; i++) {
		int fam = 0;
		__u64 sa = 0;
		bpf_probe_read_user(&fam, sizeof(fam), (void *)(ai + AI_FAMILY));
		bpf_probe_read_user(&sa, sizeof(sa), (void *)(ai + AI_ADDR));
		struct vigil_dns_key k = {.tgid = id >> 32, .family = (__u16)fam};
		if (sa && fam == AF_INET)
			bpf_probe_read_user(k.addr, 4, (void *)(sa + 4));
		else if (sa && fam == AF_INET6)
			bpf_probe_read_user(k.addr, 16, (void *)(sa + 8));
		else
			k.family = 0;
		if (k.family)
			bpf_map_update_elem(&dns_names, &k, &c->name, BPF_ANY);
		__u64 next = 0;
		bpf_probe_read_user(&next, sizeof(next), (void *)(ai + AI_NEXT));
		ai = next;
	}
out:
	bpf_map_delete_elem(&gai_calls, &tid);
	return 0;
}

/* The name a public address was looked up by, into e->path and the item's hash. */
static __always_inline __u64 looked_up(struct vigil_item_event *e, __u64 h)
{
	struct vigil_dns_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .family = e->family};
	__builtin_memcpy(k.addr, e->addr, 16);
	struct vigil_dns_name *n = bpf_map_lookup_elem(&dns_names, &k);
	if (!n)
		return h;
	bpf_probe_read_kernel_str(e->path, VIGIL_DNS_NAME, n->name);
	return fnv_str(h, e->path);
}

/* connect / bind: the address from user memory. */
static __always_inline void addr_item(struct task_struct *task, struct task_w *t, long fd, const void *uaddr, long ulen, long ret)
{
	struct scratch *s = scratch();
	if (!s || !uaddr || ulen < 2)
		return;
	struct vigil_item_event *e = &s->e;
	item_init(e, t->slot, VIGIL_ITEM_NET, t->nr, t->action);
	e->ret = ret;
	struct socket *sock = fd_socket(task, fd);
	e->flags = sock ? (__u64)BPF_CORE_READ(sock, type) : 0;
	__u16 fam = 0;
	bpf_probe_read_user(&fam, sizeof(fam), uaddr);
	e->family = fam;
	__u64 h = fnv(fnv(fnv(FNV_SEED, t->action), e->flags), fam);
	if (fam == AF_INET) {
		struct sockaddr_in sin = {};
		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		e->port = bpf_ntohs(sin.sin_port);
		__builtin_memcpy(e->addr, &sin.sin_addr.s_addr, 4);
	} else if (fam == AF_INET6) {
		struct sockaddr_in6 sin6 = {};
		bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
		e->port = bpf_ntohs(sin6.sin6_port);
		__builtin_memcpy(e->addr, &sin6.sin6_addr, 16);
	} else if (fam == AF_UNIX) {
		long max = ulen - 2;
		if (max > 108)
			max = 108;
		if (max <= 0)
			return;
		/* an abstract name starts with a NUL: kept as '@' */
		bpf_probe_read_user(e->path, max & 127, (const char *)uaddr + 2);
		e->path[max & 127] = 0;
		if (e->path[0] == 0) {
			if (max <= 1)
				return; /* autobind */
			e->path[0] = '@';
		}
		e->net_class = VIGIL_NET_UNIX;
		e->hash = fnv_str(h, e->path);
		first_sight(e);
		return;
	} else {
		return; /* netlink, packet, vsock: not profiled */
	}
	e->net_class = net_class(&e->family, e->addr);
	h = fnv(fnv(fnv(h, e->family), e->port), e->net_class);
	if (e->net_class != VIGIL_NET_PUBLIC) { /* a public peer's exact address is not part of the item */
		__u64 *w = (__u64 *)e->addr;
		h = fnv(fnv(h, w[0]), w[1]);
	} else {
		h = looked_up(e, h); /* its name is */
	}
	e->hash = h;
	first_sight(e);
}

/* listen (fd: the listening socket) / accept (fd: the new connection): from the socket. */
static __always_inline void sock_item(struct task_struct *task, struct task_w *t, long fd, long ret)
{
	struct scratch *s = scratch();
	struct socket *sock = fd_socket(task, fd);
	if (!s || !sock)
		return;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	struct vigil_item_event *e = &s->e;
	item_init(e, t->slot, VIGIL_ITEM_NET, t->nr, t->action);
	e->ret = ret;
	e->flags = (__u64)BPF_CORE_READ(sock, type);
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (e->family == AF_INET) {
		__u32 a = t->action == VIGIL_ACT_ACCEPT ? BPF_CORE_READ(sk, __sk_common.skc_daddr) : BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(e->addr, &a, 4);
	} else if (e->family == AF_INET6) {
		struct in6_addr a = t->action == VIGIL_ACT_ACCEPT ? BPF_CORE_READ(sk, __sk_common.skc_v6_daddr)
								 : BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		__builtin_memcpy(e->addr, &a, 16);
	} else if (e->family == AF_UNIX) {
		/* the path it listens on / accepted on: the bound address is not walked here */
		e->net_class = VIGIL_NET_UNIX;
		e->hash = fnv(fnv(fnv(FNV_SEED, t->action), e->flags), AF_UNIX);
		first_sight(e);
		return;
	} else {
		return;
	}
	e->net_class = net_class(&e->family, e->addr);
	/* listen: the local address and port; accept: the local port and the peer's class */
	__u64 h = fnv(fnv(fnv(fnv(fnv(FNV_SEED, t->action), e->flags), e->family), e->port), e->net_class);
	if (t->action == VIGIL_ACT_LISTEN) {
		__u64 *w = (__u64 *)e->addr;
		h = fnv(fnv(h, w[0]), w[1]);
	}
	e->hash = h;
	first_sight(e);
}

/* A high-risk call, judged at entry (an attempt counts, allowed or not). */
static __always_inline void risky_item(struct task_struct *task, struct task_w *t, struct vigil_call_rule *r, __u32 nr, __u64 *a)
{
	__u32 self = bpf_get_current_pid_tgid() >> 32;
	if (r->target_arg >= 0 && r->target_arg < 4 && (__u32)a[r->target_arg & 3] == self)
		return;
	if (r->signal_arg >= 0 && r->signal_arg < 4 && a[r->signal_arg & 3] == 0)
		return;
	struct scratch *s = scratch();
	if (!s)
		return;
	struct vigil_item_event *e = &s->e;
	item_init(e, t->slot, VIGIL_ITEM_RISKY, nr, VIGIL_ACT_RISKY);
	e->args[0] = a[0];
	e->args[1] = a[1];
	e->args[2] = a[2];
	e->args[3] = a[3];
	__u64 h = fnv(FNV_SEED, nr);
	if (r->key_arg >= 0 && r->key_arg < 4) {
		__u64 v = a[r->key_arg & 3];
		h = fnv(h, r->key_mode == 1 ? (v == 0) : v);
	}
	if (r->str_arg >= 0 && r->str_arg < 4) {
		const char *us = (const char *)a[r->str_arg & 3];
		if (us && bpf_probe_read_user_str(e->path, 128, us) > 0)
			h = fnv_str(h, e->path);
		else
			e->path[0] = 0;
	}
	e->hash = h;
	first_sight(e);
}

/* The slot of a task seen for the first time (running before vigil): resolved now. */
static __always_inline struct task_w *first_seen(struct task_struct *task)
{
	struct task_w *t = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe || !vigil_pass())
		return t; /* a kernel thread, or filtered out: slot stays 0 */
	t->cgroup = bpf_get_current_cgroup_id();
	set_slot(t, slot_of(task, exe, t->cgroup, 1, 0));
	if (!t->fork_slot) {
		t->fork_cgroup = t->cgroup;
		t->fork_slot = t->slot;
		slot_ref(t->slot, 1);
	}
	return t;
}

/* A task left without a slot by a full table: resolved again once slots were reclaimed. */
static __always_inline void retry_slot(struct task_struct *task, struct task_w *t)
{
	__u32 one = 1;
	__u64 *gen = bpf_map_lookup_elem(&slot_next, &one);
	if (!gen || t->retry == (__u32)*gen + 1)
		return;
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe || !vigil_pass()) {
		t->retry = 0; /* it exec'd what the filters leave out since: not profiled, as at its exec */
		return;
	}
	set_slot(t, slot_of(task, exe, t->cgroup, 1, 0));
}

/*
 * A judged call's entry (both modes): a high-risk call is judged now; any other call a rule
 * judges at exit is kept in task storage for vigil_w_exit_call.
 */
static __always_inline void judge_entry(struct task_struct *task, struct task_w *t, __u32 nr, __u64 *a)
{
	struct vigil_call_rule *r = bpf_map_lookup_elem(&rules, &nr);
	if (!r || !r->action)
		return;
	if (r->action == VIGIL_ACT_RISKY) {
		risky_item(task, t, r, nr, a);
		return;
	}
	t->action = r->action;
	t->nr = nr;
	t->a[0] = a[0];
	t->a[1] = a[1];
	t->a[2] = a[2];
	t->a[3] = a[3];
}

/* The rare cases, out of line (their stack is not the hot programs'): a task seen for the first time, or left
 * without a slot by a full table. */
static __noinline struct task_w *unresolved(struct task_struct *task, struct task_w *t)
{
	if (!t)
		return first_seen(task);
	retry_slot(task, t);
	return t;
}

/* The task's storage when it is profiled (its slot resolved, for a task running before vigil, and not ignored), else 0;
 * its call counted in the slot's activity. */
static __always_inline struct task_w *profiled(struct task_struct *task)
{
	struct task_w *t = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!t || (!t->slot && t->retry)) {
		t = unresolved(task, t);
		if (!t)
			return 0;
	}
	__u32 slot = t->slot;
	if (!slot)
		return 0;
	__u32 idx = slot - 1;
	struct vigil_slot *w = bpf_map_lookup_elem(&slots, &idx);
	if (!w || w->ignored)
		return 0;
	if (++t->calls >= ACTIVITY_BATCH) {
		__sync_fetch_and_add(&w->activity, t->calls);
		t->calls = 0;
	}
	return t;
}

/*
 * Every call (detectors.profiles.syscalls on, the default): the system-call dimension's first
 * sights, then the judged calls' entries. One tp_btf program for all calls, which costs every
 * call of every process the BPF dispatch.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_w_enter, struct pt_regs *regs, long id)
{
	if (id == VIGIL_NR_URETPROBE || (__u64)id >= VIGIL_MAX_SYSCALLS)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_w *t = profiled(task);
	if (!t)
		return 0;
	__u32 idx = t->slot - 1;
	struct vigil_slot *w = bpf_map_lookup_elem(&slots, &idx);
	if (!w)
		return 0;
	__u32 nr = (__u32)id;
	__u64 bit = 1ULL << (nr & 63);
	__u64 *word = &w->calls[(nr >> 6) & 7];
	if (!(*word & bit) && !(__sync_fetch_and_or(word, bit) & bit)) {
		struct scratch *s = scratch();
		if (s) {
			item_init(&s->e, t->slot, VIGIL_ITEM_SYSCALL, nr, 0);
			s->e.hash = nr;
			/* its own stack and frames (the scratch holds the last item's) */
			if (send_item(&s->e) != 0)
				__sync_fetch_and_and(word, ~bit); /* lost: seen again next time */
		}
	}
	__u64 a[4];
	/* regs is a trusted BTF pointer here: plain loads, no probe-read helper calls */
	a[0] = PT_REGS_PARM1_SYSCALL(regs);
	a[1] = PT_REGS_PARM2_SYSCALL(regs);
	a[2] = PT_REGS_PARM3_SYSCALL(regs);
	a[3] = PT_REGS_PARM4_SYSCALL(regs);
	judge_entry(task, t, nr, a);
	return 0;
}

/* The record of a syscalls:sys_enter_* tracepoint (its format file in tracefs). */
struct sys_enter_ctx {
	__u64 common;
	int nr;
	__u32 pad;
	__u64 args[6];
};

/*
 * The judged calls' entries only (detectors.profiles.syscalls off): attached by user space to
 * the syscalls:sys_enter_<call> tracepoint of each call a rule judges, so no BPF program runs
 * for any other call; every call then costs only the kernel's traced-syscall path (a bit test
 * per tracepoint kind), not a BPF dispatch. No system-call dimension in this mode, and a
 * slot's activity counts its judged calls. The section names one; user space attaches the rest.
 */
SEC("tracepoint/syscalls/sys_enter_openat")
int vigil_w_enter_call(struct sys_enter_ctx *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_w *t = profiled(task);
	if (!t)
		return 0;
	/* copied, not loaded: a program that loads an argument the record does not have (open's fourth, unlink's
	 * second) may not attach to it (the kernel checks the furthest context offset the program reads against each
	 * event's record size); what lies past a shorter record is never used (the rules read only real arguments) */
	struct sys_enter_ctx c = {};
	bpf_probe_read_kernel(&c, sizeof(c), ctx);
	judge_entry(task, t, (__u32)c.nr, c.args);
	return 0;
}

/* The record of a syscalls:sys_exit_* tracepoint (its format file in tracefs). */
struct sys_exit_ctx {
	__u64 common;
	int nr;
	long ret;
};

/*
 * Attached by user space to the syscalls:sys_exit_<call> tracepoint of each call a rule
 * judges at exit (and only those): every other call's exit costs the kernel one bit test in
 * its syscall-event bitmap, not a BPF program run. The section names one of them; user
 * space attaches the rest.
 */
SEC("tracepoint/syscalls/sys_exit_openat")
int vigil_w_exit_call(struct sys_exit_ctx *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_w *t = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!t || !t->action)
		return 0;
	__u32 action = t->action;
	long ret = ctx->ret;
	if ((__u32)ctx->nr != t->nr) {
		t->action = 0; /* kept for another call (one whose exit event is not attached) */
		return 0;
	}
	/* a failed call is not something the program does, except a connection attempt: a
	 * refused or unanswered one still names an endpoint the program tried to reach */
	if (ret < 0 && action != VIGIL_ACT_CONNECT) {
		t->action = 0;
		return 0;
	}
	__u64 *a = t->a;
	switch (action) {
	case VIGIL_ACT_OPEN:
		if (!(a[1] & O_PATH) && !opened_item(task, t, (const char *)a[0], a[1], ret))
			file_item(task, t, AT_FDCWD, (const char *)a[0], a[1], ret);
		break;
	case VIGIL_ACT_OPENAT:
		if (!(a[2] & O_PATH) && !opened_item(task, t, (const char *)a[1], a[2], ret))
			file_item(task, t, (long)a[0], (const char *)a[1], a[2], ret);
		break;
	case VIGIL_ACT_OPENAT2: {
		__u64 flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (const void *)a[2]);
		if (!(flags & O_PATH) && !opened_item(task, t, (const char *)a[1], flags, ret))
			file_item(task, t, (long)a[0], (const char *)a[1], flags, ret);
		break;
	}
	case VIGIL_ACT_CREAT:
		if (!opened_item(task, t, (const char *)a[0], O_CREAT | O_TRUNC | 1, ret))
			file_item(task, t, AT_FDCWD, (const char *)a[0], O_CREAT | O_TRUNC | 1, ret);
		break;
	case VIGIL_ACT_UNLINK:
		file_item(task, t, AT_FDCWD, (const char *)a[0], 0, ret);
		break;
	case VIGIL_ACT_UNLINKAT:
		file_item(task, t, (long)a[0], (const char *)a[1], a[2], ret);
		break;
	case VIGIL_ACT_RENAME:
		file_item(task, t, AT_FDCWD, (const char *)a[1], 0, ret);
		break;
	case VIGIL_ACT_RENAMEAT:
		file_item(task, t, (long)a[2], (const char *)a[3], 0, ret);
		break;
	case VIGIL_ACT_LINK:
		link_item(task, t, AT_FDCWD, (const char *)a[0], (const char *)a[1], ret);
		break;
	case VIGIL_ACT_LINKAT:
		link_item(task, t, (long)a[0], (const char *)a[1], (const char *)a[3], ret);
		break;
	case VIGIL_ACT_SYMLINK: /* a relative target is relative to the link's directory: user space joins them */
		link_item(task, t, AT_FDCWD, (const char *)a[0], (const char *)a[1], ret);
		break;
	case VIGIL_ACT_SYMLINKAT:
		link_item(task, t, (long)a[1], (const char *)a[0], (const char *)a[2], ret);
		break;
	case VIGIL_ACT_CHMOD:
		file_item(task, t, AT_FDCWD, (const char *)a[0], a[1] & 07777, ret);
		break;
	case VIGIL_ACT_FCHMODAT:
		file_item(task, t, (long)a[0], (const char *)a[1], a[2] & 07777, ret);
		break;
	case VIGIL_ACT_CONNECT:
	case VIGIL_ACT_BIND:
		addr_item(task, t, (long)a[0], (const void *)a[1], (long)a[2], ret);
		break;
	case VIGIL_ACT_LISTEN:
		sock_item(task, t, (long)a[0], ret);
		break;
	case VIGIL_ACT_ACCEPT:
		sock_item(task, t, ret, ret);
		break;
	}
	t->action = 0; /* read by the item builders above */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

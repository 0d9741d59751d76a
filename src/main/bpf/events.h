/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ONLY definition of structs that cross the kernel/user boundary through ring
 * buffers. Every struct starts with a __u32 type, uses fixed-width fields and explicit
 * padding. dev.vigil.bpf.WireLayoutTest checks each Java StructLayout against the BTF
 * of the compiled objects, so the two cannot drift.
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

#define VIGIL_MAX_SYSCALLS 512

/* Emits a wire struct into the object's BTF (types only used by locals are dropped), so
 * the layout test can compare it with Java. Costs one pointer in .bss. */
#define VIGIL_WIRE_STRUCT(name) const struct name *__vigil_wire_##name __attribute__((unused))
/* The same for an enum shared with Java: its enumerators land in the object's BTF, where a
 * test checks them against the Java constants. */
#define VIGIL_WIRE_ENUM(name) const enum name *__vigil_enum_##name __attribute__((unused))

enum vigil_event_type {
	VIGIL_EV_TEST = 1,
	VIGIL_EV_ANOMALY = 2,      /* struct vigil_seq_event: a call with unseen lookahead pairs */
	VIGIL_EV_STATE = 3,        /* struct vigil_seq_event: a profile changed state */
	VIGIL_EV_PROFILE_NEW = 4,  /* struct vigil_seq_event: a profile was created */
	VIGIL_EV_EXEC = 10,        /* struct vigil_exec_event (exec.bpf.c) */
	VIGIL_EV_EXIT = 11,        /* struct vigil_exit_event (exec.bpf.c) */
	VIGIL_EV_UNLINK = 12,      /* struct vigil_unlink_event (unlink.bpf.c) */
	VIGIL_EV_RISKY = 13,       /* struct vigil_risky_event (risky.bpf.c) */
	VIGIL_EV_REC_CALL = 20,    /* struct vigil_rec_call (record.bpf.c): one system call */
	VIGIL_EV_REC_FORK = 21,    /* struct vigil_rec_proc: a recorded process forked a new one */
	VIGIL_EV_REC_EXEC = 22,    /* struct vigil_rec_proc: a recorded process executed a file */
	VIGIL_EV_REC_EXIT = 23,    /* struct vigil_rec_proc: a recorded process exited */
	VIGIL_EV_REC_CALL_IN = 24, /* struct vigil_rec_call_in: one system call made inside probed functions */
	VIGIL_EV_SLOT = 30,        /* struct vigil_slot_event (workload.bpf.c): a workload slot's process started */
	VIGIL_EV_ITEM = 31,        /* struct vigil_item_event (workload.bpf.c): a workload's first sight of an item */
	VIGIL_EV_MAPS = 32,        /* struct vigil_maps_event (workload.bpf.c): a process's executable mappings, before its first stack */
	VIGIL_EV_PROBE = 40,       /* struct vigil_probe_event (probes.bpf.c): a custom probe fired */
};

/* Emitted by the ring-buffer self-test program (src/test/bpf/ringbuf_test.bpf.c). */
struct vigil_test_event {
	__u32 type;      /* VIGIL_EV_TEST */
	__u32 pid;       /* thread id that made the call */
	__u32 tgid;      /* process id */
	__u32 _pad;
	__u64 seq;       /* per-program sequence number, from 1 */
	__u64 ktime_ns;  /* bpf_ktime_get_ns() at the call */
};

/* The system call the kernel's uretprobe trampoline makes on x86-64 (Linux 6.11+) when a
 * probed function returns: not the program's own call, so no program counts it. */
#if defined(__TARGET_ARCH_x86)
#define VIGIL_NR_URETPROBE 335
#else
#define VIGIL_NR_URETPROBE -1
#endif

/* User stack frames captured with a first sight (explaining an alert down to the code). */
#define VIGIL_USER_STACK 32
#define VIGIL_STACK_SNAP 8192 /* bytes of the user stack copied with it: at once, else in chunks of 256 as far as mapped */

#define VIGIL_STACK_SHORTENED 1

/* A thread's user stack at a call (stack.h): read with a first sight or a sequence anomaly. */
struct vigil_user_stack {
	__u32 nstack;        /* user stack frames in stack (the kernel's frame-pointer walk), 0: none read */
	__s32 stack_err;     /* bpf_get_task_stack's error when it read none */
	__u64 regs[4];       /* the thread's user ip, sp, bp and di at the call (glibc's vfork keeps its return address in di) */
	__u64 stack[VIGIL_USER_STACK]; /* return addresses, innermost first (stack[0]: the ip) */
	__u32 snap_len;      /* bytes of the user stack copied from sp up (for unwinding by .eh_frame in user space) */
	__u32 flags;         /* VIGIL_STACK_SHORTENED: less was copied than could be (the ring was filling) */
	__u8 snap[VIGIL_STACK_SNAP];
};

/* Lookahead-pair profiles (sequence.bpf.c). */
#define VIGIL_SEQ_MAX_WINDOW 9   /* the current call and up to 8 before it */
#define VIGIL_SEQ_PREV (VIGIL_SEQ_MAX_WINDOW - 1)

enum vigil_profile_state {
	VIGIL_PROFILE_TRAINING = 0,
	VIGIL_PROFILE_NORMAL = 1,
};

/* Why a VIGIL_EV_STATE event was sent (in vigil_seq_event.misses). */
enum vigil_state_reason {
	VIGIL_REASON_TRAINED = 1,    /* enough calls and no new pair for long enough */
	VIGIL_REASON_TOLERIZED = 2,  /* too many anomalies in a task's recent calls */
};

/* A profile is an executable, keyed by the device and inode of its file. */
struct vigil_profile_key {
	__u64 ino;
	__u32 dev;
	__u32 _pad;
};

/* Value of the profiles array (slot given by the profile_ids map). calls is a plain
 * increment on every call (cheap; under contention an increment may be lost, which only
 * delays training); the other counters, updated rarely, are atomic. */
struct vigil_profile {
	__u64 calls;        /* system calls seen */
	__u64 last_new;     /* value of calls when the last new pair was recorded */
	__u64 anomalies;    /* anomalous calls while normal */
	__u64 pairs;        /* (current, previous, distance) triples recorded */
	__u64 state;        /* enum vigil_profile_state (64-bit for cmpxchg) */
	__u64 tolerized;    /* times sent back to training by anomalies */
};

/* Key of the pairs map: one entry per profile and current call, a __u32 made of the
 * profile's slot in the profiles array and the call number. */
#define VIGIL_PAIR_KEY(slot, cur) (((__u32)(slot) << 9) | ((__u32)(cur) & (VIGIL_MAX_SYSCALLS - 1)))

/* Value of the pairs map: bit (prev % 64) of word [d-1][prev / 64] says that prev was seen
 * d calls before cur. 512 bytes per (profile, current call), allocated when first seen. */
struct vigil_pair_bits {
	__u64 bits[VIGIL_SEQ_PREV][VIGIL_MAX_SYSCALLS / 64];
};

struct vigil_seq_event {
	__u32 type;          /* VIGIL_EV_ANOMALY, VIGIL_EV_STATE, VIGIL_EV_PROFILE_NEW */
	__u32 pid;           /* thread id */
	__u32 tgid;          /* process id */
	__u32 state;         /* the profile's state after the event */
	__u64 ino;           /* profile key */
	__u32 dev;
	__u32 syscall;       /* the call that was anomalous (or being made) */
	__u64 ktime_ns;
	__u64 calls;         /* profile's calls so far */
	__u64 anomalies;     /* profile's anomalies so far */
	__u32 lfc;           /* anomalies in the task's last 128 calls */
	__u32 misses;        /* unseen pairs of this call, or enum vigil_state_reason */
	__u16 window[VIGIL_SEQ_PREV]; /* the calls before, most recent first */
	__u32 filled;        /* how many of window are valid */
	__u32 _pad;
	char comm[16];
	struct vigil_user_stack ustack; /* ANOMALY only (the other events end before it), and only the part of snap it uses */
};

/* First in every collector event: who did it. */
struct vigil_event_header {
	__u32 type;          /* enum vigil_event_type */
	__u32 pid;           /* thread id */
	__u32 tgid;          /* process id */
	__u32 ppid;          /* parent's process id */
	__u32 uid;
	__u32 _pad;
	__u64 ktime_ns;      /* CLOCK_MONOTONIC */
	__u64 cgroup;        /* cgroup v2 id */
	char comm[16];
};

#define VIGIL_PATH_MAX 256
#define VIGIL_ARGS_MAX 512

/* vigil_exec_event.flags and vigil_slot_event.flags */
enum vigil_exec_flag {
	VIGIL_EXEC_SCRIPT = 1,   /* filename was a script: exe is its interpreter (bprm->interp was rewritten) */
	VIGIL_EXEC_DELETED = 2,  /* the executed file has no link left (deleted, a memfd) */
	VIGIL_EXEC_RUNTIME_INIT = 4, /* a container runtime's init (path.h's runtime_init): no workload slot */
};

#define VIGIL_PID_LEVELS 4

struct vigil_exec_event {
	struct vigil_event_header h;
	__u32 args_len;      /* bytes of args read (NUL-separated argv) */
	__u32 args_total;    /* bytes of the whole argv (more than args_len when truncated) */
	__u32 slot;          /* the workload slot the process came from (task_w.h's fork_slot); 0: unknown */
	__u32 flags;         /* enum vigil_exec_flag */
	__u64 slot_cgroup;   /* the cgroup that slot's workload began in */
	/* the process's namespaces at the exec by inode number (ns.h): one in a container's cgroup
	 * but neither in its pid namespace nor below it was put there from outside */
	__u32 mnt_ns;
	__u32 pid_level;     /* its pid namespace's level (0: the host's) */
	__u32 pid_ns[VIGIL_PID_LEVELS]; /* the pid namespaces of levels 0 up to its own (at most the first VIGIL_PID_LEVELS) */
	char exe[VIGIL_PATH_MAX]; /* the file the kernel executed (bprm->file), its path walked in the kernel */
	char filename[VIGIL_PATH_MAX];
	char args[VIGIL_ARGS_MAX];
	char parent_exe[VIGIL_PATH_MAX]; /* the executable of the process that forked it, read at the exec
	                                  * (a forked-only parent, such as sshd's session process, may be
	                                  * gone before user space can ask /proc); "" when unknown */
};

struct vigil_exit_event {
	struct vigil_event_header h;
	__u32 exit_code;     /* the status: (code << 8) | signal, as wait(2) reports it */
	__u32 _pad;
	__u64 lifetime_ns;
};

struct vigil_unlink_event {
	struct vigil_event_header h;
	__u32 syscall;       /* unlink, unlinkat or rmdir */
	__s32 dfd;           /* directory fd of unlinkat (AT_FDCWD = -100) */
	__u32 flags;         /* unlinkat flags (AT_REMOVEDIR) */
	__u32 _pad;
	char path[VIGIL_PATH_MAX];
};

struct vigil_risky_event {
	struct vigil_event_header h;
	__u32 syscall;       /* host syscall number */
	__u32 _pad;
	__u64 args[6];       /* raw arguments */
	char str[128];       /* the call's string argument: memfd name, mount target, execveat path */
};

/* Key of net.bpf.c's flows map: addresses as 16 bytes (IPv4 in the first 4). */
struct vigil_flow_key {
	__u8 family;         /* 4 or 6 */
	__u8 proto;          /* IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...) */
	__u16 _pad;
	__u32 _pad2;
	__u8 src[16];
	__u8 dst[16];
};

struct vigil_flow {
	__u64 packets;
	__u64 bytes;         /* whole frames, link header included */
};

/* Value of resource.bpf.c's procs map, by process id. */
struct vigil_proc_usage {
	__u64 oncpu_ns;      /* time on a CPU, all threads */
	__u64 syscalls;      /* system calls entered, all threads */
	__u32 uid;
	__u32 _pad;
	char comm[16];
};

/* record.bpf.c: one system call of a recorded process, in the order the calls entered the
 * kernel (the ring buffer is one queue for all CPUs, so each thread's calls are in order). */
struct vigil_rec_call {
	__u32 type;          /* VIGIL_EV_REC_CALL */
	__u32 tid;           /* thread id */
	__u32 tgid;          /* process id */
	__u32 nr;            /* host system-call number */
};

/* record.bpf.c: a recorded process forked (header = the parent; other = the child's process
 * id), executed a file (filename set), or exited (exit_code = wait status). */
struct vigil_rec_proc {
	struct vigil_event_header h;
	__u32 other;         /* REC_FORK: the new process's id */
	__u32 exit_code;     /* REC_EXIT: (code << 8) | signal, as wait(2) reports it */
	char filename[VIGIL_PATH_MAX]; /* REC_EXEC: the file executed */
};

/* workload.bpf.c: the behaviour of workloads, first-seen filtered in the kernel. */

/* What the kernel does with a system call, by its number (the rules map is filled by user
 * space from the host's call table, so the program is the same on every architecture). */
enum vigil_call_action {
	VIGIL_ACT_NONE = 0,
	VIGIL_ACT_OPEN = 1,       /* open(path, flags) */
	VIGIL_ACT_OPENAT = 2,     /* openat(dfd, path, flags) */
	VIGIL_ACT_OPENAT2 = 3,    /* openat2(dfd, path, how) */
	VIGIL_ACT_CREAT = 4,      /* creat(path, mode) */
	VIGIL_ACT_UNLINK = 5,     /* unlink(path), rmdir(path) */
	VIGIL_ACT_UNLINKAT = 6,   /* unlinkat(dfd, path, flags) */
	VIGIL_ACT_RENAME = 7,     /* rename(old, new) */
	VIGIL_ACT_RENAMEAT = 8,   /* renameat(olddfd, old, newdfd, new), renameat2 */
	VIGIL_ACT_CHMOD = 9,      /* chmod(path, mode) */
	VIGIL_ACT_FCHMODAT = 10,  /* fchmodat(dfd, path, mode), fchmodat2 */
	VIGIL_ACT_CONNECT = 11,   /* connect(fd, addr, len) */
	VIGIL_ACT_BIND = 12,      /* bind(fd, addr, len) */
	VIGIL_ACT_LISTEN = 13,    /* listen(fd, backlog) */
	VIGIL_ACT_ACCEPT = 14,    /* accept(fd, ...), accept4 */
	VIGIL_ACT_RISKY = 15,     /* a high-risk call: keyed by key_arg, str_arg copied */
	VIGIL_ACT_LINK = 16,      /* link(old, new) */
	VIGIL_ACT_LINKAT = 17,    /* linkat(olddfd, old, newdfd, new, flags) */
	VIGIL_ACT_SYMLINK = 18,   /* symlink(target, linkpath) */
	VIGIL_ACT_SYMLINKAT = 19, /* symlinkat(target, newdfd, linkpath) */
};

/* Value of workload.bpf.c's rules array, by call number. */
struct vigil_call_rule {
	__u8 action;         /* enum vigil_call_action */
	__s8 key_arg;        /* RISKY: the argument that is part of the item (-1: none) */
	__s8 str_arg;        /* RISKY: the string argument copied and part of the item (-1: none) */
	__u8 key_mode;       /* RISKY: 0 the argument's value, 1 whether it is 0 (set*id to root) */
	__s8 target_arg;     /* RISKY: a process id argument; calls aimed at the caller itself are skipped */
	__s8 signal_arg;     /* RISKY: a signal argument; signal 0 (a liveness probe) is skipped */
	__u16 _pad;
};

enum vigil_item_kind {
	VIGIL_ITEM_SYSCALL = 1,   /* a call number the workload had never made */
	VIGIL_ITEM_FILE = 2,      /* a path opened, created, deleted, renamed to or chmod-ed */
	VIGIL_ITEM_NET = 3,       /* an endpoint connected to, bound, listened on or accepted from */
	VIGIL_ITEM_RISKY = 4,     /* a high-risk call with its argument class */
};

/* Names looked up through getaddrinfo (workload.bpf.c's resolver probes): each address
 * of the answer, by process, with the name asked. */
#define VIGIL_DNS_NAME 128
struct vigil_dns_key {
	__u32 tgid;
	__u16 family;        /* AF_INET (address in the first 4 bytes), AF_INET6 */
	__u16 _pad;
	__u8 addr[16];
};

struct vigil_dns_name {
	char name[VIGIL_DNS_NAME];
};

/* The class of a network address, part of network items (an exact public address is not). */
enum vigil_net_class {
	VIGIL_NET_ANY = 1,        /* 0.0.0.0, :: */
	VIGIL_NET_LOOPBACK = 2,
	VIGIL_NET_PRIVATE = 3,    /* RFC 1918, 100.64/10, fc00::/7 */
	VIGIL_NET_LINK_LOCAL = 4,
	VIGIL_NET_MULTICAST = 5,
	VIGIL_NET_PUBLIC = 6,
	VIGIL_NET_UNIX = 7,       /* a unix socket path */
};

enum vigil_slot_reason {
	VIGIL_SLOT_NEW = 1,       /* a program started in a cgroup other than its parent's: a new workload slot */
	VIGIL_SLOT_ROOT = 2,      /* the same, into an existing slot (a restart) */
	VIGIL_SLOT_RUNNING = 3,   /* a process running before vigil, seen at its first call */
};

/* Value of the slots array: one per (cgroup, executable, argv) a workload started as. */
struct vigil_slot {
	__u64 calls[VIGIL_MAX_SYSCALLS / 64]; /* the call numbers its processes made */
	__u64 activity;      /* calls its processes made, added in batches of 1024 per task and at exit */
	__u32 ignored;       /* set by user space: not profiled (an ignored cgroup, a workload over max) */
	__u32 _pad;
};

/* Key and value of workload.bpf.c's seen map: an item already sent for a slot. */
struct vigil_seen_key {
	__u32 slot;
	__u32 kind;
	__u64 hash;
};

struct vigil_seen {
	__u32 novel;         /* set by user space when it alerted the item: repeats are counted */
	__u32 _pad;
	__u64 repeats;       /* sightings since it was marked novel */
};

struct vigil_slot_key {
	__u64 cgroup;
	__u64 ino;
	__u32 dev;
	__u32 _pad;
	__u64 argv_hash;
};

struct vigil_slot_event {
	struct vigil_event_header h;
	__u32 slot;          /* 1 + its index in slots */
	__u32 reason;        /* enum vigil_slot_reason */
	__u32 args_len;
	__u32 args_total;
	__u32 flags;         /* enum vigil_exec_flag */
	__u32 from_slot;     /* the slot the process came from (task_w.h's fork_slot); 0: unknown */
	__u64 from_cgroup;   /* the cgroup that slot began in */
	__u32 mnt_ns;        /* the process's namespaces (ns.h), as in the exec event */
	__u32 pid_level;
	__u32 pid_ns[VIGIL_PID_LEVELS];
	char exe[VIGIL_PATH_MAX];      /* the file the kernel executed, walked; empty for RUNNING */
	char filename[VIGIL_PATH_MAX]; /* empty for RUNNING (user space reads /proc) */
	char args[VIGIL_ARGS_MAX];
};

/* A probed function a thread is in (probes.bpf.c keeps them per thread in probe_stacks). */
struct vigil_probe_frame {
	__u32 probe;         /* the probe that pushed it */
	__u32 emitted;       /* its entry passed the filters (its return is sent too) */
	__u64 key;           /* the value of the probe's frame argument (a function's name pointer), else 0 */
};


/* Probed functions sent with a recorded call or a first sight, innermost first (probe_stack.h). */
#define VIGIL_CALL_FRAMES 4

/* record.bpf.c with custom probes (record --probes): a call made inside probed functions. */
struct vigil_rec_call_in {
	__u32 type;          /* VIGIL_EV_REC_CALL_IN */
	__u32 tid;
	__u32 tgid;
	__u32 nr;
	__u32 depth;         /* the thread's depth of probed calls */
	__u32 nframes;
	struct vigil_probe_frame frames[VIGIL_CALL_FRAMES]; /* innermost first */
};


/* One executable mapping of a process (vigil_maps_event). */
#define VIGIL_VMA_WRITE 1    /* writable too */
#define VIGIL_VMA_DELETED 2  /* its file has no link left (deleted, or a memfd) */
#define VIGIL_VMA_VDSO 4     /* the kernel's vDSO */
#define VIGIL_VMA_UPROBES 8  /* the kernel's uprobe trampoline page ([uprobes]) */
struct vigil_vma {
	__u64 start, end;
	__u64 offset;        /* in the file, bytes */
	__u64 ino;           /* 0: anonymous */
	__u32 dev;           /* the file system's dev_t, the kernel's encoding (major << 20 | minor) */
	__u32 flags;         /* VIGIL_VMA_* */
	char name[48];       /* the file's own name, its last component ("memfd:NAME" for a memfd) */
};

#define VIGIL_MAPS_MAX 64
/* A process's executable mappings, sent before the first stack of each program it runs, so
 * that a process gone before user space reads /proc/PID/maps still has its stack symbolized. */
struct vigil_maps_event {
	struct vigil_event_header h;
	__u32 n;             /* in vma */
	__u32 total;         /* executable mappings in all (more than VIGIL_MAPS_MAX: the rest are not sent) */
	struct vigil_vma vma[VIGIL_MAPS_MAX];
};

struct vigil_item_event {
	struct vigil_event_header h;
	__u32 slot;          /* 1 + the workload slot's index */
	__u32 kind;          /* enum vigil_item_kind */
	__u32 syscall;       /* host call number */
	__u32 action;        /* enum vigil_call_action */
	__s64 ret;           /* the call's result (0 for calls judged at entry) */
	__u64 flags;         /* open flags; chmod mode; socket type for network items */
	__u64 args[4];       /* RISKY: raw arguments; a file opened: its inode, device (kernel dev_t) and link count */
	__u16 family;        /* AF_INET, AF_INET6, AF_UNIX (network items) */
	__u16 port;          /* host order; the local port for LISTEN and ACCEPT */
	__u32 net_class;     /* enum vigil_net_class of addr (ACCEPT: the peer's) */
	__u8 addr[16];       /* IPv4 in the first 4 bytes */
	__u64 hash;          /* the item's first-seen hash */
	char path[VIGIL_PATH_MAX]; /* a path as passed, a unix socket path, a risky call's string; a public
	                            * address connected to: the name getaddrinfo gave it by ("" if none) */
	char dir[VIGIL_PATH_MAX];  /* for a relative path: the directory it is relative to */
	char real[VIGIL_PATH_MAX]; /* a file opened: its path as the kernel reached it (the opened file's f_path
	                            * walked: symlinks followed, no . or .., whatever was passed); a link made:
	                            * the link's own name as passed (path is what it links to); "" otherwise */
	__u32 depth;         /* the thread's depth of probed calls (custom probes with a return pair), 0: in none */
	__u32 nframes;
	struct vigil_probe_frame frames[VIGIL_CALL_FRAMES]; /* the probed functions it was in, innermost first */
	struct vigil_user_stack ustack; /* last: only the part of snap it uses is sent */
};

/* Custom probes (probes.bpf.c): one generic family of programs, configured per probe by
 * struct vigil_probe_spec in the probe_specs array (the attach cookie is the probe's id). */
#define VIGIL_PROBE_MAX 64       /* probes per object */
#define VIGIL_PROBE_ARGS 6       /* captured arguments per probe */
#define VIGIL_PROBE_STRS 3       /* of which strings or buffers */
#define VIGIL_PROBE_STR 128      /* bytes per string or buffer */
#define VIGIL_PROBE_RAW 256      /* bytes of a tracepoint's record */
#define VIGIL_PROBE_DEPTH 16     /* frames kept per thread (deeper calls are counted, not kept) */
#define VIGIL_PROBE_FRAMES 8     /* frames sent with an event, innermost first */
#define VIGIL_PROBE_ARG_FILTERS 2

enum vigil_probe_arg {
	VIGIL_ARG_NONE = 0,
	VIGIL_ARG_INT = 1,     /* 32-bit signed */
	VIGIL_ARG_UINT = 2,    /* 32-bit unsigned */
	VIGIL_ARG_LONG = 3,    /* 64-bit signed */
	VIGIL_ARG_ULONG = 4,   /* 64-bit unsigned */
	VIGIL_ARG_PTR = 5,     /* an address */
	VIGIL_ARG_STRING = 6,  /* a NUL-terminated user string, up to VIGIL_PROBE_STR bytes */
	VIGIL_ARG_BUFFER = 7,  /* user bytes, as many as another argument says (up to VIGIL_PROBE_STR) */
};

enum vigil_probe_phase {
	VIGIL_PHASE_HIT = 1,     /* a tracepoint, or a probe without a return pair */
	VIGIL_PHASE_ENTRY = 2,   /* a function entered (its frame pushed) */
	VIGIL_PHASE_RETURN = 3,  /* a function returned (its frame popped) */
};

enum vigil_probe_flag {
	VIGIL_PROBE_PAIRED = 1,      /* an entry/return pair: the thread's depth and frames are kept */
	VIGIL_PROBE_EMIT_ENTRY = 2,  /* send an event for each entry (or hit) */
	VIGIL_PROBE_EMIT_RETURN = 4, /* send an event for each return */
	VIGIL_PROBE_TRACEPOINT = 8,  /* the context is a tracepoint record (args unused) */
	VIGIL_PROBE_USDT = 16,       /* arguments through bpf_usdt_arg */
};

enum vigil_probe_filter {
	VIGIL_PF_PID = 1, VIGIL_PF_UID = 2, VIGIL_PF_COMM = 4, VIGIL_PF_CGROUP = 8,
};

enum vigil_probe_op { VIGIL_OP_NONE = 0, VIGIL_OP_EQ = 1, VIGIL_OP_NE = 2 };

struct vigil_probe_arg_filter {
	__u8 slot;           /* which captured argument */
	__u8 op;             /* enum vigil_probe_op */
	__u16 _pad;
	__u32 _pad2;
	__u64 value;
};

struct vigil_probe_spec {
	__u32 flags;                          /* enum vigil_probe_flag */
	__u32 filters;                        /* enum vigil_probe_filter: the sets in probe_filter_* that apply */
	__u8 arg_type[VIGIL_PROBE_ARGS];      /* enum vigil_probe_arg per slot */
	__u8 arg_src[VIGIL_PROBE_ARGS];       /* the function's (or USDT's) argument index per slot */
	__u8 arg_len[VIGIL_PROBE_ARGS];       /* BUFFER: the slot holding its length */
	__u8 arg_str[VIGIL_PROBE_ARGS];       /* STRING/BUFFER: which of the event's str[] it goes to */
	__u8 frame_slot;                      /* the slot whose value keys the frame (0xff: none) */
	__u8 str_slots;                       /* how many of the event's str[] the probe uses (what is sent of them) */
	__u8 _pad[2];
	__u32 raw_size;                       /* tracepoint: bytes of the record to copy */
	__u16 data_loc[VIGIL_PROBE_STRS];     /* tracepoint: offsets of __data_loc strings (0: none); with the top
	                                       * bit set, of a pointer to a user string (a system call's argument) */
	__u16 _pad2;
	struct vigil_probe_arg_filter arg_filter[VIGIL_PROBE_ARG_FILTERS];
};

/* Per thread: the depth of paired calls and the frames, outermost first. */
struct vigil_probe_stack {
	__u32 depth;
	__u32 _pad;
	struct vigil_probe_frame frames[VIGIL_PROBE_DEPTH];
};

/* Key of the per-probe filter sets (pid, uid: value; cgroup: value; comm in probe_filter_comms). */
struct vigil_probe_fkey {
	__u32 probe;
	__u32 kind;          /* enum vigil_probe_filter */
	__u64 value;
};

struct vigil_probe_ckey {
	__u32 probe;
	char comm[16];
};

struct vigil_probe_event {
	struct vigil_event_header h;
	__u32 probe;         /* the probe's id (its place in the config) */
	__u32 phase;         /* enum vigil_probe_phase */
	__u32 depth;         /* the thread's depth of paired calls after this event */
	__u32 nframes;       /* valid frames below */
	__u32 slot;          /* the task's workload slot (task_w.h, when the exec probe's task storage is shared), 0: none */
	__u32 pad;
	__s64 ret;           /* RETURN of a uretprobe: the return value */
	__u64 args[VIGIL_PROBE_ARGS];
	__u32 str_len[VIGIL_PROBE_STRS];
	__u32 raw_len;
	struct vigil_probe_frame frames[VIGIL_PROBE_FRAMES]; /* innermost first (ENTRY: this call's own frame first) */
	char str[VIGIL_PROBE_STRS][VIGIL_PROBE_STR];
	__u8 raw[VIGIL_PROBE_RAW];
};

#endif

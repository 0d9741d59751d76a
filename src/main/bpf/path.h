/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A path from the kernel's dentries, for programs on tracepoints (bpf_d_path is only
 * allowed in LSM and some fentry programs, both refused on the kernels vigil targets).
 * Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h and events.h.
 */
#ifndef VIGIL_PATH_H
#define VIGIL_PATH_H

/* Writes the path of pth into out (VIGIL_PATH_MAX bytes), walking dentries and mounts up to
 * the root of the task's mount namespace. Returns 0, or 1 when it was truncated. */
static __always_inline int vigil_walk_path(struct path *pth, char *walk, char *out)
{
	struct dentry *d = BPF_CORE_READ(pth, dentry);
	struct vfsmount *vm = BPF_CORE_READ(pth, mnt);
	struct mount *m = container_of(vm, struct mount, mnt);
	__u32 off = VIGIL_PATH_MAX - 1;
	int truncated = 1;
	walk[VIGIL_PATH_MAX - 1] = 0;
	for (int i = 0; i < 32; i++) {
		struct dentry *root = BPF_CORE_READ(vm, mnt_root);
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		int pseudo = d == parent && d != root; /* a memfd, a pipe: a name of its own, no directory */
		if (!pseudo && (d == root || d == parent)) {
			struct mount *pm = BPF_CORE_READ(m, mnt_parent);
			if (pm == m) {
				truncated = 0;
				break;
			}
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = pm;
			vm = &pm->mnt;
			continue;
		}
		struct qstr q = BPF_CORE_READ(d, d_name);
		__u32 len = q.len;
		if (len + 1 > off)
			break;
		off -= len;
		bpf_probe_read_kernel(walk + (off & (VIGIL_PATH_MAX - 1)), len & (VIGIL_PATH_MAX - 1), q.name);
		off -= 1;
		walk[off & (VIGIL_PATH_MAX - 1)] = '/';
		if (pseudo) {
			truncated = 0;
			break;
		}
		d = parent;
	}
	if (off == VIGIL_PATH_MAX - 1) {
		off--;
		walk[off] = '/';
	}
	bpf_probe_read_kernel_str(out, VIGIL_PATH_MAX, walk + (off & (VIGIL_PATH_MAX - 1)));
	return truncated;
}

/* Whether an exec is a container runtime's init, not a program of the workload: runc (against
 * CVE-2019-5736) runs its init as /proc/self/exe, then from a sealed copy of itself in memory
 * (execveat: /dev/fd/N), started by runc; either exec may come after runc moved it into the
 * container's cgroup, so it would begin the container's workload in the place of the program
 * it execs next, depending on a race: workload.bpf.c profiles nothing of it (the program it execs
 * next begins the workload), and its exec event says so (VIGIL_EXEC_RUNTIME_INIT). */
static __always_inline int runtime_init(struct task_struct *p, struct linux_binprm *bprm)
{
	char f[16] = {};
	bpf_probe_read_kernel_str(f, sizeof(f), BPF_CORE_READ(bprm, filename));
	int fd = f[0] == '/' && f[1] == 'd' && f[2] == 'e' && f[3] == 'v' && f[4] == '/' && f[5] == 'f' && f[6] == 'd' && f[7] == '/';
	int self = f[0] == '/' && f[1] == 'p' && f[2] == 'r' && f[3] == 'o' && f[4] == 'c' && f[5] == '/' && f[6] == 's' && f[7] == 'e'
		   && f[8] == 'l' && f[9] == 'f' && f[10] == '/';
	if (!fd && !self)
		return 0;
	char c[16] = {};
	struct task_struct *parent = BPF_CORE_READ(p, real_parent);
	if (!parent)
		return 0;
	bpf_probe_read_kernel_str(c, sizeof(c), &parent->comm);
	return (c[0] == 'r' && c[1] == 'u' && c[2] == 'n' && c[3] == 'c' && c[4] == 0) || (c[0] == 'c' && c[1] == 'r' && c[2] == 'u' && c[3] == 'n' && c[4] == 0);
}

/* The file an exec ran, named by the kernel (bprm->file walked into out, "" when there is
 * none), so no symlink re-pointed after the exec can rename it: returns its
 * vigil_exec_flag bits (a script, whose interpreter it is; a file with no link left; a runtime's init). */
static __always_inline __u32 vigil_exec_file(struct linux_binprm *bprm, char *walk, char *out)
{
	__u32 flags = 0;
	out[0] = 0;
	struct file *f = BPF_CORE_READ(bprm, file);
	if (walk && f) {
		struct path fp = BPF_CORE_READ(f, f_path);
		vigil_walk_path(&fp, walk, out);
		if (BPF_CORE_READ(f, f_inode, i_nlink) == 0)
			flags |= VIGIL_EXEC_DELETED;
	}
	if (BPF_CORE_READ(bprm, interp) != BPF_CORE_READ(bprm, filename))
		flags |= VIGIL_EXEC_SCRIPT;
	if (runtime_init(bpf_get_current_task_btf(), bprm))
		flags |= VIGIL_EXEC_RUNTIME_INIT;
	return flags;
}

#endif

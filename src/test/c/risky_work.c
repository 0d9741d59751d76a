/*
 * risky_work: makes exactly these high-risk calls, in this order, and prints the child's pid:
 *   ptrace(PTRACE_ATTACH, child)  ptrace(PTRACE_DETACH, child)  setuid(getuid())
 *   memfd_create("vigil-memfd", MFD_CLOEXEC)  kill(child, SIGKILL)
 * The child only pauses. Exit status 0 when every call succeeded.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		for (;;)
			pause();
	}
	int status;
	if (ptrace(PTRACE_ATTACH, child, 0, 0) != 0)
		return 3;
	if (waitpid(child, &status, 0) != child)
		return 4;
	if (ptrace(PTRACE_DETACH, child, 0, 0) != 0)
		return 5;
	if (setuid(getuid()) != 0)
		return 6;
	/* on the stack, so the page is present: the probe cannot fault pages in (a literal in a
	 * never-touched .rodata page reads as empty) */
	volatile char name[16] = "vigil-memfd";
	int fd = memfd_create((const char *)name, MFD_CLOEXEC);
	if (fd < 0)
		return 7;
	if (kill(child, SIGKILL) != 0)
		return 8;
	if (waitpid(child, &status, 0) != child)
		return 9;
	printf("%d\n", child);
	return 0;
}

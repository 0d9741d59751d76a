package dev.vigil.source;

/** Two observers told the same thing, in order (monitor and record at once). */
public record BothObservers(ProcessObserver first, ProcessObserver second) implements ProcessObserver {
    @Override
    public void call(int tgid, int tid, int nr) {
        first.call(tgid, tid, nr);
        second.call(tgid, tid, nr);
    }

    @Override
    public void fork(int parent, int child, String comm) {
        first.fork(parent, child, comm);
        second.fork(parent, child, comm);
    }

    @Override
    public void exec(int tgid, String comm, String file) {
        first.exec(tgid, comm, file);
        second.exec(tgid, comm, file);
    }

    @Override
    public void exit(int tgid, int status) {
        first.exit(tgid, status);
        second.exit(tgid, status);
    }

    @Override
    public void attach(int tgid, int parent, String comm, String exe, boolean named) {
        first.attach(tgid, parent, comm, exe, named);
        second.attach(tgid, parent, comm, exe, named);
    }

    @Override
    public void launched(int pid, String name) {
        first.launched(pid, name);
        second.launched(pid, name);
    }

    @Override
    public void periodic() {
        first.periodic();
        second.periodic();
    }

    @Override
    public boolean allDone() { return first.allDone() && second.allDone(); }

    @Override
    public boolean execSeen(int pid) { return first.execSeen(pid) || second.execSeen(pid); }

    @Override
    public void failIfBroken() {
        first.failIfBroken();
        second.failIfBroken();
    }
}

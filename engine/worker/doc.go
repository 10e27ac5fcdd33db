// Package worker is the worker side of process isolation: the process a
// host with engine.Config{Isolation: engine.Process} runs its scripts in.
//
// An application that uses process isolation calls Main first thing in
// main, with the backends its workers run:
//
//	func main() {
//		worker.Main(js.New(), lua.New())
//		...
//	}
//
// The host starts workers as this same executable with an environment
// marker (engine.WorkerEnv). In such a process Main contains it, serves
// runs until the host goes away and exits; it never returns. In any other
// process it returns at once.
//
// # Containment
//
// Before it serves, a worker applies the layers the machine allows, and
// reports to the host which are in force and why others are missing:
//
//   - rlimits: RLIMIT_CORE 0 (no core dumps of customers' data) and
//     RLIMIT_NOFILE 64;
//   - landlock and nonewprivs: the first process restricts its main thread
//     (no file system access but its own executable and, for a dynamically
//     linked build, the loader and shared libraries; no TCP; signals and
//     abstract sockets scoped) and executes itself again, so the worker
//     proper starts restricted on every thread;
//   - an empty environment and "/" as the working directory;
//   - seccomp: once set up, an allow-list on every thread (TSYNC) of what
//     the Go runtime needs and reads and writes on the pipes; exec,
//     sockets, opening files and the rest fail with EPERM.
//
// The host adds the layers it applies from outside: an OS memory cap per
// worker (memory: a cgroup v2 or v1 group of its own, else RLIMIT_AS with
// its RSS polled) and a network namespace (netns).
//
// # A run
//
// The worker reads a Start frame (engine/internal/wire), compiles the
// source (keeping recent programs), and runs the backend with its own
// *limits.Watchdog as the Meter: steps, memory and CPU are enforced here,
// and a heap guard stops the run at its heap before the run plus the
// memory budget. Host calls, log lines and reads of a host-provided clock
// go to the host as frames and wait for its reply; a Stop frame from the
// host trips the watchdog with the host's cause. The Result frame carries
// the value or the error and what the run used.
package worker

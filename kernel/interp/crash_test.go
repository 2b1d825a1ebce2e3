package interp

import (
	"slices"
	"strings"
	"testing"
)

// elsewhere is a package path the worker's code does not have: a crash
// report is read by where goroutines were started, whatever package the
// worker's functions are in.
const elsewhere = "example.org/somewhere/else/worker."

// crashElsewhere is the report of a worker whose code is in another
// package than this one.
const crashElsewhere = `fatal error: concurrent map writes

goroutine 40 [running]:
internal/runtime/maps.fatal({0x1b7e5a4?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1181 +0x18
reflect.Value.call({0x1a80f20?, 0xc000512d08?, 0x4e7ef6?}, {0x1b6c7c7, 0x4}, {0xc0004f4fd8, 0x1, 0x1?})
	/usr/local/go/src/reflect/value.go:581 +0xcc6
github.com/traefik/yaegi/interp.callBin.func10({0xc000586a28?, 0x0?, 0x0?})
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/run.go:1774 +0x8b
created by github.com/traefik/yaegi/interp.(*Interpreter).run.func2 in goroutine 35
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/run.go:1910 +0x1a

goroutine 1 [select]:
github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext(0xc00027e908, {0x1f04a70, 0xc0004fcf00}, {0xc00040e0f0, 0x92})
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/interp.go:604 +0x271
example.org/somewhere/else/worker.(*session).run(0xc000172008, {0x1f04a70, 0xc0004fcf00}, {0xc0001b4090, 0x5e}, 0x1)
	/src/worker/eval.go:215 +0x1a5
example.org/somewhere/else/worker.RunWorker()
	/src/worker/worker.go:123 +0x885
main.main()
	/src/main.go:60 +0x38

goroutine 7 [IO wait]:
internal/poll.runtime_pollWait(0x7f6c2d5c7c00, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85
os.(*File).Read(0xc0000a8000, {0xc0002c8000?, 0x1000, 0x1})
	/usr/local/go/src/os/file.go:144 +0x4f
example.org/somewhere/else/worker.RunWorker.func1()
	/src/worker/worker.go:96 +0x1c5
created by example.org/somewhere/else/worker.RunWorker in goroutine 1
	/src/worker/worker.go:87 +0x4a5

goroutine 36 [select]:
example.org/somewhere/else/watch.(*Watchdog).watch(0xc000124000, {0x1f04a70, 0xc0004fcf00}, 0x1)
	/src/watch/watch.go:298 +0x1b2
created by example.org/somewhere/else/worker.(*worker).asCell in goroutine 1
	/src/worker/worker.go:184 +0x2e5

goroutine 35 [sleep]:
time.Sleep(0x12a05f200)
	/usr/local/go/src/runtime/time.go:363 +0x165
reflect.Value.call({0x1a80f20?, 0x2b2a8c0?, 0x4e7ef6?}, {0x1b6c7c7, 0x4}, {0xc0004f4f90, 0x1, 0x1?})
	/usr/local/go/src/reflect/value.go:581 +0xcc6
github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext.func1()
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/interp.go:590 +0x1a5
created by github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext in goroutine 1
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/interp.go:581 +0x1a5

goroutine 50 [IO wait]:
net/http.(*conn).serve(0xc000300000, {0x1f04a70, 0xc0004fcf00})
	/usr/local/go/src/net/http/server.go:2100 +0x1a5
created by net/http.(*Server).Serve in goroutine 40
	/usr/local/go/src/net/http/server.go:3454 +0x485
`

func TestSummarizeCrashElsewhere(t *testing.T) {
	got := summarizeCrash(crashElsewhere, elsewhere+"(*w).input")
	want := []string{
		"fatal error: concurrent map writes",
		"Goroutines when the worker died (the failing one first):",
		"  goroutine 40 [running] (started by a go statement of a cell): internal/runtime/maps.fatal ← interpreted code",
		"  goroutine 35 [sleep] (the cell itself): time.Sleep ← interpreted code",
		"  goroutine 50 [IO wait] (started by net/http.(*Server).Serve): net/http.(*conn).serve",
	}
	if !slices.Equal(got, want) {
		t.Errorf("summary:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

package compiled

import (
	"fmt"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/compiled/convert"
)

// benchSource is the source of measured cell u: its package with a
// method Bench that runs the cell's statements inside a testing.B's
// "for b.Loop() { ... }". The compiler keeps the results and arguments of
// the calls written there alive, so that work whose result the cell drops
// is still done when it is timed. Statements that return or defer run as
// the cell's Run, called in the loop.
func benchSource(u *convert.Unit, module string) string {
	loop := u.Stmts
	if u.Leaves || strings.TrimSpace(loop) == "" {
		loop = "_, _ = " + convert.HookType + "{}.Run()\n"
	}
	src := u.Src
	// The import goes on the package clause's line: lines keep their
	// numbers.
	if nl := strings.IndexByte(src, '\n'); nl >= 0 {
		src = src[:nl] + fmt.Sprintf("; import %s %q; import %s %q", testingName, "testing", benchRT, module+"/internal/rt") + src[nl:]
	}
	// A loop the session gave up on (an interrupt, a deadlock) ends at
	// its next turn (rt.Abandon).
	return src + "\nfunc (" + convert.HookType + ") Bench(b *" + testingName + ".B) {\n/*line gocurrent:1*/gocurrent_gen := " + benchRT + ".BenchGen()\n" +
		"for b.Loop() {\nif " + benchRT + ".BenchGen() != gocurrent_gen {\n" + benchRT + ".BenchExit()\n}\n" +
		loop + "/*line gocurrent:1*/}\n}\n"
}

// testingName and benchRT are what a measured cell's package calls
// packages testing and rt.
const (
	testingName = "gocurrent_testing"
	benchRT     = "gocurrent_benchrt"
)

// hasBench reports whether a cell's source has the Bench method of
// benchSource.
func hasBench(src string) bool {
	return strings.Contains(src, "func ("+convert.HookType+") Bench(b *"+testingName+".B)")
}

package pool

import "embed"

//go:embed pool.go run.go child.go
var files embed.FS

// Source is this package's code, by file name, which compiled sessions
// build into their own module.
func Source() map[string]string {
	out := map[string]string{}
	for _, name := range []string{"pool.go", "run.go", "child.go"} {
		b, err := files.ReadFile(name)
		if err != nil {
			panic("pool: embedded source " + name + ": " + err.Error())
		}
		out[name] = string(b)
	}
	return out
}

package worker

import (
	"maps"
	"slices"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// declarations lists what the session declared, for the native engine.
func (s *session) declarations() engine.Declarations {
	d := engine.Declarations{Imports: maps.Clone(s.imports)}
	seen := map[string]int{} // source -> index in d.Decls
	for _, name := range s.order {
		src, ok := s.decls[name]
		if !ok || strings.HasPrefix(name, "_gocurrent") {
			continue
		}
		if i, ok := seen[src]; ok {
			d.Decls[i].Names = append(d.Decls[i].Names, name)
			continue
		}
		seen[src] = len(d.Decls)
		d.Decls = append(d.Decls, engine.Declaration{Names: []string{name}, Src: src, Cell: s.declCell[name], Line: s.declLine[name]})
	}
	for name, kind := range s.names {
		if _, declared := s.decls[name]; !declared && kind == "var" {
			d.Vars = append(d.Vars, name)
		}
	}
	slices.Sort(d.Vars)
	return d
}

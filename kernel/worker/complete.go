package worker

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/exportdata"
)

// candidate is a name completion may offer, with its kind (an engine.Kind
// constant).
type candidate struct{ name, kind string }

// builtinKind is the kind of a name Go predeclares.
func builtinKind(name string) string {
	switch name {
	case "true", "false", "iota", "nil":
		return engine.KindConstant
	case "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len",
		"make", "max", "min", "new", "panic", "print", "println", "real", "recover":
		return engine.KindFunction
	}
	return engine.KindType
}

// completionKind is the kind of a name the session declared, from its
// record in s.names.
func completionKind(kind string) string {
	switch kind {
	case "func":
		return engine.KindFunction
	case "type":
		return engine.KindType
	case "const":
		return engine.KindConstant
	}
	return engine.KindVariable
}

// complete lists the names that fit the identifier before the cursor,
// with their kinds.
func (s *session) complete(code string, cursor int) engine.Completion {
	runes := []rune(code)
	cursor = min(max(cursor, 0), len(runes))
	qual, word, start := cell.WordAt(runes, cursor)
	var cands []candidate
	if qual != "" {
		cands = s.members(qual)
	} else {
		for _, k := range cell.Keywords {
			cands = append(cands, candidate{k, engine.KindKeyword})
		}
		for _, b := range cell.Builtins {
			cands = append(cands, candidate{b, builtinKind(b)})
		}
		for _, n := range sortedKeys(s.names) {
			cands = append(cands, candidate{n, completionKind(s.names[n])})
		}
		for name := range s.stdPkgs {
			cands = append(cands, candidate{name, engine.KindPackage})
		}
	}
	seen := map[string]bool{}
	var matches []candidate
	for _, c := range cands {
		if strings.HasPrefix(c.name, word) && !seen[c.name] && !strings.HasPrefix(c.name, "_gocurrent") && !strings.Contains(c.name, ".") {
			seen[c.name] = true
			matches = append(matches, c)
		}
	}
	sort.Slice(matches, func(i, j int) bool { return matches[i].name < matches[j].name })
	out := engine.Completion{Start: start, End: cursor}
	for _, m := range matches {
		out.Matches = append(out.Matches, m.name)
		out.Types = append(out.Types, m.kind)
	}
	// The replaced range covers the rest of the identifier after the
	// cursor too.
	for out.End < len(runes) && cell.IsIdentRune(runes[out.End]) {
		out.End++
	}
	return out
}

// symbolKind is the kind of a symbol the interpreter has from a compiled
// package: variables are addressable values (the Elem of a pointer to
// them), functions func values, types nil pointers to them, constants
// plain values.
func symbolKind(v reflect.Value) string {
	switch {
	case !v.IsValid() || v.CanAddr():
		return engine.KindVariable
	case v.Kind() == reflect.Func:
		return engine.KindFunction
	case v.Kind() == reflect.Pointer && v.IsNil():
		return engine.KindType
	}
	return engine.KindConstant
}

// members lists the exported names of the package (imported or not) or
// the fields and methods of the session value called qual.
func (s *session) members(qual string) []candidate {
	path, ok := s.imports[qual]
	if !ok {
		if _, declared := s.names[qual]; !declared {
			path, ok = s.stdPkgs[qual]
		}
	}
	if ok {
		name := path[strings.LastIndex(path, "/")+1:]
		var out []candidate
		for _, e := range s.exports {
			for sym, v := range e[path+"/"+name] {
				if sym != "" && unicode.IsUpper([]rune(sym)[0]) {
					out = append(out, candidate{sym, symbolKind(v)})
				}
			}
		}
		return out
	}
	if kind, declared := s.names[qual]; declared && kind == "type" {
		return nil
	}
	var out []candidate
	v, err := s.evalQuiet(qual)
	if err != nil || !v.IsValid() {
		return out
	}
	t := v.Type()
	mt := t
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		// Methods with pointer receivers, as on a strings.Builder.
		mt = reflect.PointerTo(t)
	}
	for i := 0; i < mt.NumMethod(); i++ {
		out = append(out, candidate{mt.Method(i).Name, engine.KindMethod})
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := 0; i < st.NumField(); i++ {
			f := st.Field(i)
			if f.IsExported() {
				out = append(out, candidate{f.Name, engine.KindField})
			}
		}
	}
	return out
}

// inspect documents the identifier at or before the cursor.
func (s *session) inspect(code string, cursor int, detail int) engine.Inspection {
	runes := []rune(code)
	end := min(max(cursor, 0), len(runes))
	for end < len(runes) && cell.IsIdentRune(runes[end]) {
		end++
	}
	qual, word, _ := cell.WordAt(runes, end)
	name := word
	if qual != "" {
		name = qual + "." + word
	}
	if name != "" {
		if in := s.doc(name); in.Found {
			return in
		}
	}
	// Inside a call's parentheses (fmt.Println(|) or on an argument
	// without documentation: the function called, as IPython does.
	if j := cell.OpenParen(runes, min(max(cursor, 0), len(runes))); j >= 0 {
		for j > 0 && (runes[j-1] == ' ' || runes[j-1] == '\t') {
			j--
		}
		if qual, word, _ := cell.WordAt(runes, j); word != "" {
			if qual != "" {
				word = qual + "." + word
			}
			return s.doc(word)
		}
	}
	return engine.Inspection{}
}

// doc documents a name: a session declaration by its source, a package or
// package member by go doc (or its signature when no Go toolchain is
// installed), a session variable by its type and value.
func (s *session) doc(name string) engine.Inspection {
	if src, ok := s.decls[name]; ok {
		return engine.Inspection{Found: true, Text: src + "\n\n(declared in this session)"}
	}
	qual, sym, hasQual := strings.Cut(name, ".")
	if !hasQual {
		sym, qual = "", name
	}
	path, isPkg := s.imports[qual]
	if !isPkg {
		if _, declared := s.names[qual]; !declared {
			path, isPkg = s.stdPkgs[qual]
		}
	}
	if isPkg {
		target := path
		if sym != "" {
			target += "." + sym
		}
		if text, err := exportdata.Doc(target); err == nil {
			return engine.Inspection{Found: true, Text: text}
		}
		pkgName := path[strings.LastIndex(path, "/")+1:]
		for _, e := range s.exports {
			if sym == "" {
				if _, ok := e[path+"/"+pkgName]; ok {
					return engine.Inspection{Found: true, Text: "package " + pkgName + " // import \"" + path + "\""}
				}
				continue
			}
			if v, ok := e[path+"/"+pkgName][sym]; ok {
				return engine.Inspection{Found: true, Text: fmt.Sprintf("%s.%s: %s", pkgName, sym, describeSymbol(v))}
			}
		}
		return engine.Inspection{}
	}
	if kind, ok := s.names[name]; ok {
		v, err := s.evalQuiet(name)
		if err == nil && v.IsValid() {
			return engine.Inspection{Found: true, Text: fmt.Sprintf("%s %s %s = %s\n\n(declared in this session)", kind, name, v.Type(), s.text(v, name))}
		}
		return engine.Inspection{Found: true, Text: kind + " " + name + "\n\n(declared in this session)"}
	}
	if text, err := exportdata.Doc("builtin." + name); err == nil && slices.Contains(cell.Builtins, name) {
		return engine.Inspection{Found: true, Text: text}
	}
	return engine.Inspection{}
}

func describeSymbol(v reflect.Value) string {
	if !v.IsValid() {
		return "?"
	}
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return "type " + v.Type().Elem().String()
	}
	return v.Type().String()
}

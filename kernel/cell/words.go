package cell

import "unicode"

// Words of Go source, for completion and inspection.

// Keywords are Go's keywords.
var Keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
	"map", "package", "range", "return", "select", "struct", "switch", "type", "var",
}

// Builtins are the names Go predeclares.
var Builtins = []string{
	"append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len",
	"make", "max", "min", "new", "panic", "print", "println", "real", "recover",
	"any", "bool", "byte", "comparable", "complex64", "complex128", "error",
	"float32", "float64", "int", "int8", "int16", "int32", "int64", "rune",
	"string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr",
	"true", "false", "iota", "nil",
}

// IsIdentRune reports whether r can be part of an identifier.
func IsIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// WordAt returns the identifier (with a package or value qualifier, as in
// fmt.Pri) that ends at cursor, and where it starts, in code points.
func WordAt(code []rune, cursor int) (qual, word string, start int) {
	if cursor > len(code) {
		cursor = len(code)
	}
	if cursor < 0 {
		cursor = 0
	}
	start = cursor
	for start > 0 && IsIdentRune(code[start-1]) {
		start--
	}
	word = string(code[start:cursor])
	if start > 0 && code[start-1] == '.' {
		q := start - 1
		for q > 0 && IsIdentRune(code[q-1]) {
			q--
		}
		qual = string(code[q : start-1])
	}
	return qual, word, start
}

// OpenParen is the index of the innermost "(" before cursor that is not
// closed before it, or -1.
func OpenParen(runes []rune, cursor int) int {
	depth := 0
	for i := cursor - 1; i >= 0; i-- {
		switch runes[i] {
		case ')':
			depth++
		case '(':
			if depth == 0 {
				return i
			}
			depth--
		case '\n', ';', '{', '}':
			if depth == 0 {
				return -1
			}
		}
	}
	return -1
}

// IdentEnd is where the identifier that goes on at pos ends.
func IdentEnd(runes []rune, pos int) int {
	end := min(max(pos, 0), len(runes))
	for end < len(runes) && IsIdentRune(runes[end]) {
		end++
	}
	return end
}

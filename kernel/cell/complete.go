package cell

import (
	"errors"
	"strings"
)

// Completeness is the answer to "is this cell ready to run?", with the
// values of the Jupyter is_complete_reply status.
type Completeness string

// The is_complete statuses.
const (
	Complete   Completeness = "complete"
	Incomplete Completeness = "incomplete"
	Invalid    Completeness = "invalid"
)

// IsComplete tells whether src can run as it is, needs more lines (then
// indent is what the next line should start with), or can never be valid.
func IsComplete(src string) (status Completeness, indent string) {
	// A blank cell is complete. Blank means Go's white space only: other
	// Unicode spaces (a form feed, a no-break space) are illegal
	// characters in Go source, which Parse reports.
	if strings.Trim(src, " \t\r\n") == "" {
		return Complete, ""
	}
	_, err := Parse(src)
	if err == nil {
		return Complete, ""
	}
	var e *Error
	if errors.As(err, &e) && e.AtEOF {
		return Incomplete, strings.Repeat("\t", openDepth(src))
	}
	return Invalid, ""
}

// openDepth counts brackets left open at the end of src, ignoring those in
// strings, runes and comments well enough for indentation.
func openDepth(src string) int {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"', '\'', '`':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' && c != '`' {
					i++
				}
			}
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			}
		}
	}
	if depth < 0 {
		return 0
	}
	return depth
}

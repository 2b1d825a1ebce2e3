package cell

import (
	"fmt"
	"strings"
)

// SourceLines shows line of code with a caret under col, for a traceback.
func SourceLines(code string, line, col int) []string {
	lines := strings.Split(code, "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	l := lines[line-1]
	pad := ""
	if col > 1 {
		pad = strings.Repeat(" ", len([]rune(strings.ReplaceAll(l[:min(col-1, len(l))], "\t", "    "))))
	}
	return []string{
		fmt.Sprintf("%4d | %s", line, strings.ReplaceAll(l, "\t", "    ")),
		fmt.Sprintf("     | %s%s", pad, "\x1b[0;32m^\x1b[0m"),
	}
}

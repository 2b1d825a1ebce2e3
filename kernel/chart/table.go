package chart

import (
	"strings"
	"unicode/utf8"
)

// Table renders rows under headers as aligned plain text: columns whose
// cells are all numbers (such as "1.21 s" or "3.9×") are right-aligned,
// others left-aligned, and a line of ─ separates the header from the rows.
// Rows may be shorter or longer than headers.
func Table(headers []string, rows [][]string) string {
	ncol := len(headers)
	for _, r := range rows {
		ncol = max(ncol, len(r))
	}
	if ncol == 0 {
		return ""
	}
	cell := func(r []string, i int) string {
		if i < len(r) {
			return strings.TrimSpace(strings.ReplaceAll(r[i], "\n", " "))
		}
		return ""
	}
	widths := make([]int, ncol)
	numeric := make([]bool, ncol)
	for i := range ncol {
		widths[i] = utf8.RuneCountInString(cell(headers, i))
		seen, all := false, true
		for _, r := range rows {
			s := cell(r, i)
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
			switch {
			case isPlaceholder(s):
			case isNumber(s):
				seen = true
			default:
				all = false
			}
		}
		numeric[i] = seen && all
	}
	var b strings.Builder
	line := func(r []string) {
		var l strings.Builder
		for i := range ncol {
			s := cell(r, i)
			gap := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
			if i > 0 {
				l.WriteString("  ")
			}
			if numeric[i] {
				l.WriteString(gap + s)
			} else {
				l.WriteString(s + gap)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	total := 2 * (ncol - 1)
	for _, w := range widths {
		total += w
	}
	if len(headers) > 0 {
		line(headers)
		b.WriteString(strings.Repeat("─", total))
		b.WriteByte('\n')
	}
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// isPlaceholder reports whether s stands for a missing value, which does
// not make a numeric column textual.
func isPlaceholder(s string) bool {
	switch s {
	case "", "-", "–", "—", "n/a", "N/A", "?":
		return true
	}
	return false
}

// isNumber reports whether s starts with a number: "42", "-1.5", "1.21 s",
// "3.9×", ".5", "+7%".
func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-−~≈")
	if s == "" {
		return false
	}
	if s[0] == '.' {
		s = s[1:]
	}
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

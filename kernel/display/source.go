package display

import _ "embed"

// Source is this package's code, which compiled sessions build into their
// own module so that their cells and host share it.
//
//go:embed display.go
var Source string

package stacks

import _ "embed"

// Source is this package's code, which compiled sessions build into their
// own module, for their host.
//
//go:embed stacks.go
var Source string

package main

import (
	"fmt"
	"strings"
)

// unifiedDiff is a minimal line diff for fmt -d: the changed middle of the
// file, after the common head and tail, as removed and added lines.
func unifiedDiff(name string, a, b []byte) string {
	al := strings.SplitAfter(string(a), "\n")
	bl := strings.SplitAfter(string(b), "\n")
	head := 0
	for head < len(al) && head < len(bl) && al[head] == bl[head] {
		head++
	}
	tail := 0
	for tail < len(al)-head && tail < len(bl)-head && al[len(al)-1-tail] == bl[len(bl)-1-tail] {
		tail++
	}
	var s strings.Builder
	fmt.Fprintf(&s, "--- %s\n+++ %s (formatted)\n", name, name)
	fmt.Fprintf(&s, "@@ -%d,%d +%d,%d @@\n", head+1, len(al)-head-tail, head+1, len(bl)-head-tail)
	for _, l := range al[head : len(al)-tail] {
		s.WriteString("-" + strings.TrimSuffix(l, "\n") + "\n")
	}
	for _, l := range bl[head : len(bl)-tail] {
		s.WriteString("+" + strings.TrimSuffix(l, "\n") + "\n")
	}
	return s.String()
}

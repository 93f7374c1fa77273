// Package version names the build of stagecraft a binary is: what
// `stagecraft version` prints and what a tenant's export records, so that
// an import by another build can say so.
package version

import (
	"regexp"
	"runtime/debug"
	"strings"
)

// String is the module version and the VCS revision the binary was built
// from, as `go version -m` would report them, and its Go version:
// "stagecraft (devel) 4e0798bdbad9+dirty go1.26.8".
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "stagecraft (unknown version)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	out := "stagecraft " + v
	if rev != "" && !strings.Contains(v, shortRev(rev)) {
		out += " " + shortRev(rev) + modified
	}
	return out + " " + bi.GoVersion
}

var hexRev = regexp.MustCompile(`^[0-9a-f]{12}`)

func shortRev(rev string) string {
	if m := hexRev.FindString(rev); m != "" {
		return m
	}
	return rev
}

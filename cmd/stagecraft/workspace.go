package main

import (
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/internal/workspace"
)

// readSources reads the workspace that PATH arguments name (see package
// workspace: a file stands for the workspace it belongs to). A file that
// cannot be read is passed on with its error, to be reported in place
// while the rest is checked.
func readSources(paths []string) ([]compile.Source, error) {
	files, problems, err := workspace.Files(paths)
	if err != nil {
		return nil, err
	}
	var out []compile.Source
	for _, p := range problems {
		out = append(out, compile.Source{Name: p.Path, Err: p.Err})
	}
	for _, p := range files {
		b, err := workspace.Read(p)
		out = append(out, compile.Source{Name: p, Src: b, Err: err})
	}
	return out, nil
}

package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/internal/compile"
)

// rulesFiles expands PATH arguments into *.rules files: a file as given, a
// folder as every *.rules file below it, sorted.
func rulesFiles(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			add(p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".rules") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no *.rules files in %s", strings.Join(paths, " "))
	}
	return out, nil
}

// readSources reads the *.rules files that PATH arguments name.
func readSources(paths []string) ([]compile.Source, error) {
	files, err := rulesFiles(paths)
	if err != nil {
		return nil, err
	}
	var out []compile.Source
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, compile.Source{Name: p, Src: b})
	}
	return out, nil
}

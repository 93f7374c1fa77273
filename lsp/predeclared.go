package lsp

import (
	"fmt"
	"slices"

	"github.com/stagecraft/stagecraft/compiler/check"
)

// predeclared says what the language already means by name, or "": a
// variable, resource or test item renamed to it would be refused by the
// checker (deal, client, now: E111 "already a name here") or would hide
// what the name means (a variable len next to the function len(...)), so
// rename refuses it before writing any edit.
func (s *Server) predeclared(name string) string {
	lib := s.u.Lib
	switch {
	case slices.Contains(lib.Entities, name):
		return fmt.Sprintf("%s is an entity", name)
	case slices.Contains(check.RootNames(lib.PipelineEntities[0]), name):
		return fmt.Sprintf("%s names the item's %s in every rule", name, name)
	case name == "auto":
		return "auto is a predeclared word (a value picked for you)"
	}
	for _, b := range check.ClockWords() {
		if b.Name == name {
			return fmt.Sprintf("%s is a built-in value (%s)", name, b.Type)
		}
	}
	for _, f := range lib.Funcs {
		if f.Name == name {
			return fmt.Sprintf("%s is a function", name)
		}
	}
	return ""
}

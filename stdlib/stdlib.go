// Package stdlib owns the standard library of the rules language: the
// built-in CRM schema (crm.rules) and every action, trigger, function and
// resource kind, one file per family.
//
// Each entry is one value. An Action holds its declaration (catalogue ID,
// verb and object, documentation, settings with their defaults, result) and
// its implementation; a Func holds its declaration (how it checks its
// arguments) and its implementation; a trigger and a resource kind are
// declarations only, since the engine raises events and keeps resources
// generically. Load gives the checker the declarations; Runtime gives the
// engine the implementations, from the same values.
//
// An implementation sees a rule's run through runtime/action's Call
// interface, which runtime/engine implements over its batch. So this package
// links the storage-free runtime packages (runtime/action, runtime/interp,
// runtime/value, compiler/ir) but never runtime/engine or Pebble, and the
// checker (stagecraft check, fmt, the language server) imports the
// declarations without linking storage. deps_test.go holds that line.
package stdlib

import (
	_ "embed"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/interp"
)

// Action is one action of the standard library: its declaration, for the
// checker, and its implementation, for the engine.
type Action struct {
	Decl *types.ActionDecl
	Run  action.Func
}

// Func is one built-in function of expressions: its declaration and its
// implementation, total like the declaration says.
type Func struct {
	Decl *types.FuncDecl
	Run  interp.Func
}

// actions are the families of actions, in the reference's order.
var actions = [][]Action{communication, repeatSales, employee, auxiliary}

//go:embed crm.rules
var schemaSource []byte

// Load returns the standard library's declarations, for the checker.
func Load() *types.Library {
	var decls []*types.ActionDecl
	for _, family := range actions {
		for _, a := range family {
			decls = append(decls, a.Decl)
		}
	}
	var funcDecls []*types.FuncDecl
	for _, f := range funcs {
		funcDecls = append(funcDecls, f.Decl)
	}
	return &types.Library{
		SchemaName:       "stdlib/crm.rules",
		SchemaSource:     schemaSource,
		Entities:         []string{"deal", "lead", "contact", "company", "user"},
		PipelineEntities: []string{"deal", "lead"},
		Actions:          decls,
		Triggers:         triggers,
		TriggerSettings:  StandardTriggerSettings,
		Funcs:            funcDecls,
		Resources:        resourceKinds,
		RunVerb:          RunVerb,
	}
}

// Runtime returns the implementations of the standard library's actions and
// functions, and the events an input may bring, for the engine.
func Runtime() action.Library {
	lib := action.Library{Actions: map[string]action.Func{}, Funcs: map[string]interp.Func{},
		Events: map[string][]string{}, Needs: map[string][]string{}, EventIDs: map[string]string{}, Raised: map[string]string{}}
	for _, family := range actions {
		for _, a := range family {
			lib.Actions[a.Decl.Name()] = withDefaults(a.Run, valueDefaults(a.Decl))
		}
	}
	for _, f := range funcs {
		lib.Funcs[f.Decl.Name] = f.Run
	}
	for _, t := range triggers {
		if t.Raised == "" {
			lib.Events[t.Name()] = types.Names(t.EventSettings)
			for _, set := range t.EventSettings {
				// A chat message of attachments only has no text: the
				// language asks a test's event for one, an input need not.
				if set.Required && set.Name != "text" {
					lib.Needs[t.Name()] = append(lib.Needs[t.Name()], set.Name)
				}
			}
			lib.EventIDs[t.ID] = t.Name()
		} else {
			lib.Raised[t.Name()], lib.Raised[t.ID] = t.Raised, t.Raised
		}
	}
	lib.Events[ManagerReply[0]+" "+ManagerReply[1]] = types.Names(chatEvent())
	return lib
}

// Common setting shapes.
func text(name string, required bool, doc string) *types.Setting {
	return &types.Setting{Name: name, Type: types.TextType, Required: required, Doc: doc}
}

func flag(name, def, doc string) *types.Setting {
	return &types.Setting{Name: name, Type: types.BoolType, Default: def, Doc: doc}
}

func resource(name, kind string, required bool, def, doc string) *types.Setting {
	return &types.Setting{Name: name, Type: types.ResourceOf(kind), Required: required, Default: def, Doc: doc}
}

// attachments are the attachment settings of R-EMAIL and R-CHAT.
func attachments() []*types.Setting {
	return []*types.Setting{
		{Name: "attach", Type: types.ListOf(types.FileType), Default: "none",
			Doc: "files from the item's file fields and documents created by earlier rules"},
		{Name: "drive", Type: types.ListOf(types.TextType), Default: "none",
			Doc: "paths of files in the document store (Drive)"},
	}
}

// DocumentType is the result of create document (R-DOCUMENT), and a file.
var DocumentType = types.RecordOf("document",
	&types.Field{Name: "id", Type: types.TextN(32)},
	&types.Field{Name: "name", Type: types.TextN(120)},
	&types.Field{Name: "url", Type: types.URLType},
	&types.Field{Name: "file", Type: types.FileType},
)

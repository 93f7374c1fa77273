// Package stdlib owns the standard library of the rules language: the
// built-in CRM schema (crm.rules) and every action, trigger, function and
// resource kind, one file per family, each declaration naming its catalogue
// ID. The checker reads the declarations; the runtime pairs each with its
// implementation in the same file.
package stdlib

import (
	_ "embed"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/engine"
)

//go:embed crm.rules
var schemaSource []byte

// Load returns the standard library's declarations.
func Load() *types.Library {
	var actions []*types.ActionDecl
	actions = append(actions, communicationActions...)
	actions = append(actions, repeatSalesActions...)
	actions = append(actions, employeeActions...)
	actions = append(actions, auxiliaryActions...)
	return &types.Library{
		SchemaName:       "stdlib/crm.rules",
		SchemaSource:     schemaSource,
		Entities:         []string{"deal", "lead", "contact", "company", "user"},
		PipelineEntities: []string{"deal", "lead"},
		Actions:          actions,
		Triggers:         triggers,
		TriggerSettings:  StandardTriggerSettings,
		Funcs:            funcs,
		Resources:        resourceKinds,
		RunVerb:          RunVerb,
	}
}

// Runtime returns the implementations of the standard library's actions and
// functions, for the engine.
func Runtime() engine.Library {
	lib := engine.Library{Actions: map[string]engine.ActionFunc{}, Funcs: funcsRun, Events: map[string][]string{}}
	for _, family := range []map[string]engine.ActionFunc{communicationRun, repeatSalesRun, employeeRun, auxiliaryRun} {
		for name, f := range family {
			lib.Actions[name] = f
		}
	}
	for _, t := range triggers {
		if t.Raised == "" {
			lib.Events[t.Name()] = types.Names(t.EventSettings)
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

package wasm

import (
	"fmt"
	"strings"
)

// Each way a module can fail is a type of its own, so the engine can say
// on the item's timeline what happened and carry on (spec/wasm.md,
// "Errors"). Every error a Module returns is one of these, or the
// caller's own context error when the caller gave up first.

// Limit names a hard limit.
type Limit string

const (
	LimitMemory Limit = "memory"
	LimitTime   Limit = "time"
	LimitInput  Limit = "input"
	LimitOutput Limit = "output"
	LimitLog    Limit = "log"
)

// LimitError is a call (or a load) that went past a limit.
type LimitError struct {
	Action string // "" at load
	Limit  Limit
	Max    int64 // bytes, or milliseconds for time
	Detail string
}

func (e *LimitError) Error() string {
	unit := "bytes"
	if e.Limit == LimitTime {
		unit = "ms"
	}
	s := fmt.Sprintf("%s limit exceeded (%d %s)", e.Limit, e.Max, unit)
	if e.Action != "" {
		s = "action " + e.Action + ": " + s
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// TrapError is a module that trapped (unreachable, out-of-bounds access,
// division by zero, stack overflow, a call of exit) during a call.
type TrapError struct {
	Action string
	Reason string // wazero's description, first line
	In     string // the export that trapped when not the action's: "stagecraft_alloc"
}

func (e *TrapError) Error() string {
	if e.In != "" {
		return "action " + e.Action + ": the module trapped in " + e.In + ": " + e.Reason
	}
	return "action " + e.Action + ": the module trapped: " + e.Reason
}

// ImportError is a module that imports something the host does not grant.
type ImportError struct {
	Module, Name string
	Kind         string // func, table, memory, global, tag
	Reason       string
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("forbidden import %s %q.%q: %s", e.Kind, e.Module, e.Name, e.Reason)
}

// ManifestError is a module whose manifest is missing or invalid, or does
// not fit the module's exports.
type ManifestError struct{ Reason string }

func (e *ManifestError) Error() string { return "bad manifest: " + e.Reason }

// ModuleError is a binary that is not a module the host can run: not
// WebAssembly, invalid, or not following the ABI (exports, start).
type ModuleError struct {
	Reason string
	cause  error // what a refused initialisation met (CheckInit)
}

func (e *ModuleError) Error() string { return "bad module: " + e.Reason }

// Unwrap is the error a refused initialisation met, a *TrapError or a
// *LimitError, or nil.
func (e *ModuleError) Unwrap() error { return e.cause }

// InputError is a call whose inputs do not fit the action's manifest: the
// caller's mistake (the checker prevents it).
type InputError struct {
	Action, Input string
	Reason        string
}

func (e *InputError) Error() string {
	if e.Input == "" {
		return "action " + e.Action + ": " + e.Reason
	}
	return "action " + e.Action + ": input " + e.Input + ": " + e.Reason
}

// OutputError is a reply that does not fit the manifest: a module that
// lies about its types, leaves out a required output, adds one that is
// not declared, or writes something that is not the ABI's reply.
type OutputError struct {
	Action, Output string
	Reason         string
	Alloc          bool // what stagecraft_alloc returned is wrong, not the reply
}

func (e *OutputError) Error() string {
	if e.Alloc {
		return "action " + e.Action + ": " + e.Reason
	}
	if e.Output == "" {
		return "action " + e.Action + ": bad reply: " + e.Reason
	}
	return "action " + e.Action + ": output " + e.Output + ": " + e.Reason
}

// ActionError is the module's own refusal: its reply was {"error": ...}.
type ActionError struct {
	Action, Message string
}

// Error is the action's name and its own words: the engine's timeline
// says it failed ("run vat failed: action vat: rate 86 is not a VAT rate").
func (e *ActionError) Error() string { return "action " + e.Action + ": " + e.Message }

// firstLine keeps an error message short enough for a timeline.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

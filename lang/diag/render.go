package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stagecraft/stagecraft/lang/token"
)

// WriteText prints diagnostics the way compilers do:
//
//	path:line:col: error[E101]: unknown field "fone" of contact
//	    on stage Dostawa: send sms to contact.fone
//	                                          ^^^^
//	    hint: did you mean "phone"?
//
// Columns count runes, 1-based. The caret line repeats the source line's tabs
// so that the caret lands under the right character in any tab width.
func WriteText(w io.Writer, fset *token.FileSet, ds []Diagnostic, dropped int) {
	for _, d := range ds {
		p := fset.Position(d.Pos)
		fmt.Fprintf(w, "%s:%d:%d: %s[%s]: %s\n", p.Filename, p.Line, p.Column, d.Severity, d.Code, d.Message)
		f := fset.File(d.Pos)
		if f == nil {
			continue
		}
		line := f.Line(p.Line)
		fmt.Fprintf(w, "    %s\n", line)
		var caret strings.Builder
		caret.WriteString("    ")
		col := 1
		for _, r := range line {
			if col >= p.Column {
				break
			}
			if r == '\t' {
				caret.WriteByte('\t')
			} else {
				caret.WriteByte(' ')
			}
			col++
		}
		width := 1
		if e := fset.Position(d.End); e.Line == p.Line && e.Column > p.Column {
			width = e.Column - p.Column
		}
		caret.WriteString(strings.Repeat("^", width))
		fmt.Fprintln(w, caret.String())
		if d.Hint != "" {
			fmt.Fprintf(w, "    hint: %s\n", d.Hint)
		}
	}
	if dropped > 0 {
		fmt.Fprintf(w, "too many diagnostics: %d more not shown\n", dropped)
	}
}

// LSPPosition is an LSP Position: 0-based line, character in UTF-16 code units.
type LSPPosition struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// LSPRange is an LSP Range.
type LSPRange struct {
	Start LSPPosition `json:"start"`
	End   LSPPosition `json:"end"`
}

// LSPDiagnostic is an LSP Diagnostic plus the file it belongs to.
type LSPDiagnostic struct {
	File     string   `json:"file"`
	Range    LSPRange `json:"range"`
	Severity Severity `json:"severity"`
	Code     Code     `json:"code"`
	Source   string   `json:"source"`
	Message  string   `json:"message"`
}

// ToLSP converts diagnostics to the LSP shape. A hint is appended to the
// message, since LSP has no field for it.
func ToLSP(fset *token.FileSet, ds []Diagnostic) []LSPDiagnostic {
	out := make([]LSPDiagnostic, 0, len(ds))
	for _, d := range ds {
		s, e := fset.Position(d.Pos), fset.Position(d.End)
		msg := d.Message
		if d.Hint != "" {
			msg += " (" + d.Hint + ")"
		}
		out = append(out, LSPDiagnostic{
			File: s.Filename,
			Range: LSPRange{
				Start: LSPPosition{Line: max(s.Line-1, 0), Character: s.UTF16},
				End:   LSPPosition{Line: max(e.Line-1, 0), Character: e.UTF16},
			},
			Severity: d.Severity,
			Code:     d.Code,
			Source:   "stagecraft",
			Message:  msg,
		})
	}
	return out
}

// WriteJSON prints diagnostics as one JSON array of LSP diagnostics.
func WriteJSON(w io.Writer, fset *token.FileSet, ds []Diagnostic) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ToLSP(fset, ds))
}

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
		// A long line is shown around the column, so that the excerpt
		// stays a few lines' worth (a generated rule of 200,000 characters).
		line := []rune(f.Line(p.Line))
		at := min(max(p.Column-1, 0), len(line)) // the column's index in line
		from, to := 0, len(line)
		if len(line) > excerptMax {
			from = max(0, at-excerptBefore)
			to = min(len(line), from+excerptMax)
		}
		var text, caret strings.Builder
		text.WriteString("    ")
		caret.WriteString("    ")
		if from > 0 {
			text.WriteString("…")
			caret.WriteByte(' ')
		}
		text.WriteString(string(line[from:to]))
		if to < len(line) {
			text.WriteString("…")
		}
		fmt.Fprintln(w, text.String())
		for _, r := range line[from:at] {
			if r == '\t' {
				caret.WriteByte('\t')
			} else {
				caret.WriteByte(' ')
			}
		}
		width := 1
		if e := fset.Position(d.End); e.Line == p.Line && e.Column > p.Column {
			width = e.Column - p.Column
		}
		width = max(1, min(width, to-at))
		caret.WriteString(strings.Repeat("^", width))
		fmt.Fprintln(w, caret.String())
		if d.Hint != "" {
			fmt.Fprintf(w, "    hint: %s\n", d.Hint)
		}
		for _, r := range d.Related {
			rp := fset.Position(r.Pos)
			fmt.Fprintf(w, "    %s:%d:%d: %s\n", rp.Filename, rp.Line, rp.Column, r.Message)
		}
	}
	if dropped > 0 {
		fmt.Fprintf(w, "too many diagnostics: %d more not shown\n", dropped)
	}
}

// A line of more than excerptMax characters is shown as excerptMax of
// them, from excerptBefore before the column on.
const (
	excerptMax    = 500
	excerptBefore = 200
)

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
	// RelatedInformation is LSP's: other places the diagnostic is about.
	// Its location's uri is the file name as the FileSet knows it; the
	// language server turns it into a URI.
	RelatedInformation []LSPRelated `json:"relatedInformation,omitempty"`
	// Data carries the fixes, ready to become LSP quick fixes.
	Data *LSPData `json:"data,omitempty"`
}

// LSPLocation is an LSP Location.
type LSPLocation struct {
	URI   string   `json:"uri"`
	Range LSPRange `json:"range"`
}

// LSPRelated is an LSP DiagnosticRelatedInformation.
type LSPRelated struct {
	Location LSPLocation `json:"location"`
	Message  string      `json:"message"`
}

// LSPData is the diagnostic's data: the edits that would fix it.
type LSPData struct {
	Fixes []LSPFix `json:"fixes"`
}

// LSPFix is one edit: replace range (in the diagnostic's file) with newText.
type LSPFix struct {
	Title   string   `json:"title"`
	Range   LSPRange `json:"range"`
	NewText string   `json:"newText"`
}

// lspRange converts a span to an LSP range.
func lspRange(fset *token.FileSet, pos, end token.Pos) (string, LSPRange) {
	s, e := fset.Position(pos), fset.Position(end)
	return s.Filename, LSPRange{
		Start: LSPPosition{Line: max(s.Line-1, 0), Character: s.UTF16},
		End:   LSPPosition{Line: max(e.Line-1, 0), Character: e.UTF16},
	}
}

// ToLSP converts diagnostics to the LSP shape. A hint is appended to the
// message, since LSP has no field for it.
func ToLSP(fset *token.FileSet, ds []Diagnostic) []LSPDiagnostic {
	out := make([]LSPDiagnostic, 0, len(ds))
	for _, d := range ds {
		msg := d.Message
		if d.Hint != "" {
			msg += " (" + d.Hint + ")"
		}
		file, r := lspRange(fset, d.Pos, d.End)
		ld := LSPDiagnostic{File: file, Range: r, Severity: d.Severity, Code: d.Code, Source: "stagecraft", Message: msg}
		for _, rel := range d.Related {
			f, r := lspRange(fset, rel.Pos, rel.End)
			ld.RelatedInformation = append(ld.RelatedInformation, LSPRelated{Location: LSPLocation{URI: f, Range: r}, Message: rel.Message})
		}
		if len(d.Fixes) > 0 {
			ld.Data = &LSPData{}
			for _, fx := range d.Fixes {
				_, r := lspRange(fset, fx.Pos, fx.End)
				ld.Data.Fixes = append(ld.Data.Fixes, LSPFix{Title: fx.Title, Range: r, NewText: fx.NewText})
			}
		}
		out = append(out, ld)
	}
	return out
}

// WriteJSON prints diagnostics as one JSON array of LSP diagnostics.
func WriteJSON(w io.Writer, fset *token.FileSet, ds []Diagnostic) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ToLSP(fset, ds))
}

package check

import (
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Where the names that rules set are set, in the whole workspace, read
// from the syntax alone. A name that is not in scope where it is used is
// explained with it: set on another stage, or later on this one, is E115
// saying where, not E100 "unknown name"; and a name that a rule which did
// not parse would set is not reported at all (its error is).
//
// An incremental check keeps a file's results only while the sites it
// looked up are the same (siteLookup), as it does for the names bound by
// the rules of other files (binding).

// site is where a rule sets a name.
type site struct {
	stage  string // as written: Stage or Pipeline.Stage
	pos    token.Pos
	broken bool // the rule did not parse
}

// siteLookup is a name looked up among the sites for a rule on a stage,
// and the site found (the zero site: none).
type siteLookup struct {
	name, stage string
	site        site
}

// bindingSites lists, by name, where the rules of files set names, in
// the order of the files' names, then as written.
func bindingSites(files []*ast.File) map[string][]site {
	out := map[string][]site{}
	for _, f := range byName(files) {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.RuleDecl:
				var id *ast.Ident
				switch a := d.Action.(type) {
				case *ast.LetAction:
					id = a.Name
				case *ast.CallAction:
					id = a.Result
				}
				if id != nil {
					out[id.Name] = append(out[id.Name], site{stage: stageText(d.Stage), pos: id.Pos()})
				}
			case *ast.BadDecl:
				if d.Stage != nil && d.Binds != nil {
					out[d.Binds.Name] = append(out[d.Binds.Name], site{stage: stageText(d.Stage), pos: d.Binds.Pos(), broken: true})
				}
			}
		}
	}
	return out
}

func stageText(ref *ast.StageRef) string {
	if ref.Pipeline != nil {
		return ref.Pipeline.Value + "." + ref.Stage.Value
	}
	return ref.Stage.Value
}

// siteOf is where a rule sets name, for a rule on stage: one that did
// not parse first, then one on the same stage, then any.
func (c *checker) siteOf(name, stage string) (site, bool) {
	found := pickSite(c.sites[name], stage)
	c.siteLookups = append(c.siteLookups, siteLookup{name, stage, found})
	return found, found.pos.IsValid()
}

func pickSite(all []site, stage string) site {
	var found site
	for _, s := range all {
		if s.broken {
			return s
		}
		if !found.pos.IsValid() || s.stage == stage && found.stage != stage {
			found = s
		}
	}
	return found
}

// notInScope reports a name that a rule uses and another rule sets (E115),
// or nothing when that rule did not parse. It reports false when no rule
// sets name.
func (c *checker) notInScope(id *ast.Ident, r *Rule) bool {
	stage := stageText(r.Decl.Stage)
	s, ok := c.siteOf(id.Name, stage)
	switch {
	case !ok:
		return false
	case s.broken:
		return true // the rule that sets it did not parse: that is the error
	}
	at := c.fset.Position(s.pos)
	var d *diag.Diagnostic
	if s.stage == stage {
		d = c.diags.Errorf(id.Pos(), id.End(), diag.ENotYetSet, "%s is set by the rule at line %d, which does not run before this one", id.Name, at.Line)
		d.Hint = "move this rule after that one and write `then` after the stage, to run it after that rule"
	} else {
		d = c.diags.Errorf(id.Pos(), id.End(), diag.ENotYetSet, "%s is set on stage %s (%s:%d), not on this rule's stage %s", id.Name, s.stage, at.Filename, at.Line, r.Stage.Name)
		d.Hint = "a variable is usable only in the rules of its own stage that run after the rule that sets it (then)"
	}
	d.Relate(s.pos, s.pos+token.Pos(len(id.Name)), "where "+id.Name+" is set")
	c.misused = append(c.misused, s.pos)
	return true
}

// sitesHold reports whether the sites that a kept file result looked up
// are still the same.
func sitesHold(r *fileResult, sites map[string][]site) bool {
	for _, l := range r.siteLookups {
		if pickSite(sites[l.name], l.stage) != l.site {
			return false
		}
	}
	return true
}

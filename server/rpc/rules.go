package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"connectrpc.com/connect"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/lower"
	"github.com/stagecraft/stagecraft/compiler/plan"
	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/server/auth"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// Rules implements RulesService.
type Rules struct{ *Server }

// MaxFiles is the most files one rule set may have.
const MaxFiles = 1000

// sources reads a request's files, refusing an empty set, a nameless file
// or a path given twice.
func sources(files []*v1.SourceFile) ([]compile.Source, error) {
	if err := validFiles(files); err != nil {
		return nil, err
	}
	out := make([]compile.Source, 0, len(files))
	for _, f := range files {
		out = append(out, compile.Source{Name: f.GetPath(), Src: []byte(f.GetContent())})
	}
	return out, nil
}

// validFiles is sources' refusal, without copying the files: what a Check
// answered from the cache needs.
func validFiles(files []*v1.SourceFile) error {
	if len(files) == 0 {
		return invalid("no files: send the rule set's *.rules files, the workspace's schema included")
	}
	if len(files) > MaxFiles {
		return invalid("%d files; a rule set has at most %d", len(files), MaxFiles)
	}
	seen := make(map[string]bool, len(files))
	for i, f := range files {
		if f.GetPath() == "" {
			return invalid("file %d has no path: give each file its path, which diagnostics name", i+1)
		}
		if seen[f.GetPath()] {
			return invalid("file %q is given twice", f.GetPath())
		}
		seen[f.GetPath()] = true
	}
	return nil
}

func diagnostics(fset *token.FileSet, ds []diag.Diagnostic) []*v1.Diagnostic {
	out := make([]*v1.Diagnostic, 0, len(ds))
	for _, d := range diag.ToLSP(fset, ds) {
		out = append(out, &v1.Diagnostic{
			File: d.File,
			Range: &v1.Range{
				Start: &v1.Position{Line: int32(d.Range.Start.Line), Character: int32(d.Range.Start.Character)},
				End:   &v1.Position{Line: int32(d.Range.End.Line), Character: int32(d.Range.End.Character)},
			},
			Severity: int32(d.Severity),
			Code:     string(d.Code),
			Source:   d.Source,
			Message:  d.Message,
		})
	}
	return out
}

// Check checks a rule set; its errors are the answer, not a failed call.
func (s Rules) Check(ctx context.Context, req *connect.Request[v1.CheckRequest]) (*connect.Response[v1.CheckResponse], error) {
	if err := validFiles(req.Msg.GetFiles()); err != nil {
		return nil, err
	}
	conf, err := checkConfig(req.Msg.GetModules())
	if err != nil {
		return nil, err
	}
	res, err := s.checks().get(auth.Tenant(ctx), req.Msg.GetFiles(), req.Msg.GetModules(), func() (*v1.CheckResponse, error) {
		srcs, err := sources(req.Msg.GetFiles())
		if err != nil {
			return nil, err
		}
		ch, err := compile.CheckWith(srcs, conf)
		if err != nil {
			return nil, connect.NewError(connect.CodeInternal, err)
		}
		return &v1.CheckResponse{Diagnostics: diagnostics(ch.Fset, ch.Diags.Sorted()), Ok: !ch.Diags.HasErrors()}, nil
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

// Format formats each file that parses.
func (s Rules) Format(_ context.Context, req *connect.Request[v1.FormatRequest]) (*connect.Response[v1.FormatResponse], error) {
	if _, err := sources(req.Msg.GetFiles()); err != nil {
		return nil, err
	}
	out := &v1.FormatResponse{}
	for _, f := range req.Msg.GetFiles() {
		src := []byte(f.GetContent())
		fset := token.NewFileSet()
		file, ds := parser.ParseFile(fset.AddFile(f.GetPath(), src))
		if ds.HasErrors() {
			out.Diagnostics = append(out.Diagnostics, diagnostics(fset, ds.Sorted())...)
			out.Files = append(out.Files, &v1.FormattedFile{Path: f.GetPath(), Content: f.GetContent()})
			continue
		}
		formatted := format.File(file, src)
		out.Files = append(out.Files, &v1.FormattedFile{Path: f.GetPath(), Content: string(formatted), Changed: !bytes.Equal(formatted, src)})
	}
	return connect.NewResponse(out), nil
}

// compileSet checks a rule set with the modules sent and lowers it; a rule
// set with errors is InvalidArgument with every diagnostic as a
// CheckFailure detail. With load, each module a custom action names is
// also loaded as the engine will run it (hostCheck).
func compileSet(ctx context.Context, files []*v1.SourceFile, mods []*v1.ModuleFile, load func(context.Context, []byte) error) (*ir.Program, []*v1.Diagnostic, error) {
	srcs, err := sources(files)
	if err != nil {
		return nil, nil, err
	}
	conf, err := checkConfig(mods)
	if err != nil {
		return nil, nil, err
	}
	ch, err := compile.CheckWith(srcs, conf)
	if err != nil {
		return nil, nil, connect.NewError(connect.CodeInternal, err)
	}
	if load != nil && !ch.Diags.HasErrors() {
		if err := hostCheck(ctx, ch, mods, load); err != nil {
			return nil, nil, err
		}
	}
	sorted := ch.Diags.Sorted()
	ds := diagnostics(ch.Fset, sorted)
	if ch.Diags.HasErrors() {
		cerr := connect.NewError(connect.CodeInvalidArgument, errors.New(refusal(ch.Fset, sorted)))
		if detail, derr := connect.NewErrorDetail(&v1.CheckFailure{Diagnostics: ds}); derr == nil {
			cerr.AddDetail(detail)
		}
		return nil, nil, cerr
	}
	return lower.Lower(ch.Fset, ch.Files, ch.Info), ds, nil
}

// Bounds of a refusal's message: the errors it lists, and its bytes.
const (
	refusalErrors = 20
	refusalBytes  = 4 << 10
)

// refusal is the message of a rule set refused for its errors: how many,
// then each as `stagecraft check` prints its first line
// (file:line:col: error[CODE]: message, columns in runes, 1-based; the
// hint in brackets, as the detail's message has it), at most
// refusalErrors of them and refusalBytes in all. A client that reads only
// the message (a gRPC client's status line, a log) sees where to look; the
// CheckFailure detail has every diagnostic.
func refusal(fset *token.FileSet, ds []diag.Diagnostic) string {
	n := 0
	for _, d := range ds {
		if d.Severity == diag.Error {
			n++
		}
	}
	var b strings.Builder
	b.WriteString(plural(n, "error") + " in the rule set; the running version stays:")
	shown := 0
	for _, d := range ds {
		if d.Severity != diag.Error {
			continue
		}
		line := fmt.Sprintf("\n%s: error[%s]: %s", fset.Position(d.Pos), d.Code, d.Message)
		if d.Hint != "" { // as the detail's message has it (diag.ToLSP)
			line += " (" + d.Hint + ")"
		}
		if shown == refusalErrors || b.Len()+len(line) > refusalBytes {
			break
		}
		b.WriteString(line)
		shown++
	}
	if shown < n {
		fmt.Fprintf(&b, "\n... and %d more (the CheckFailure detail has them all)", n-shown)
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(n) + " " + what + "s"
}

func planOut(p *plan.Plan) *v1.Plan {
	out := &v1.Plan{}
	if p == nil {
		return out
	}
	for _, c := range p.Changes {
		pc := &v1.Change{Kind: string(c.Kind), What: c.What, Ident: c.Ident, OldIdent: c.OldIdent, Entity: c.Entity,
			Pipeline: c.Pipeline, Stage: c.Stage, FromStage: c.FromStage, Title: c.Title, Timing: c.Timing}
		for _, st := range c.Settings {
			pc.Settings = append(pc.Settings, &v1.SettingChange{Name: st.Name, Old: st.Old, New: st.New})
		}
		if c.Pending != nil {
			n := int64(*c.Pending)
			pc.Pending = &n
		}
		out.Changes = append(out.Changes, pc)
	}
	for _, d := range p.Declared {
		pd := &v1.Declared{Kind: string(d.Kind), What: d.What, Name: d.Name, Setting: d.Setting, Old: d.Old, New: d.New}
		if d.Items != nil {
			n := int64(*d.Items)
			pd.Items = &n
		}
		out.Declared = append(out.Declared, pd)
	}
	return out
}

func planText(p *plan.Plan) string {
	var b bytes.Buffer
	if p != nil {
		_ = p.WriteText(&b)
	}
	return b.String()
}

// Plan is the plan a deploy would apply, with the pending work it touches.
func (s Rules) Plan(ctx context.Context, req *connect.Request[v1.PlanRequest]) (*connect.Response[v1.PlanResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	prog, ds, err := compileSet(ctx, req.Msg.GetFiles(), req.Msg.GetModules(), t.LoadModule)
	if err != nil {
		return nil, err
	}
	base, old := t.Engine.Version(), t.Engine.Program()
	if old == nil {
		old = &ir.Program{}
	}
	p := plan.Compare(old, prog)
	if err := countPending(t, p); err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.PlanResponse{Plan: planOut(p), Text: planText(p), BaseVersion: base, Diagnostics: ds}), nil
}

// countPending sets each change's count of the pending runs it touches,
// as `stagecraft diff --data` does.
func countPending(t *tenant.Tenant, p *plan.Plan) error {
	counts, err := engine.Pending(t.Engine.Store())
	if err != nil {
		return readErr(err)
	}
	p.SetPending(counts)
	if p.Strands() {
		items, err := engine.ItemsByStage(t.Engine.Store())
		if err != nil {
			return readErr(err)
		}
		p.SetItems(items)
	}
	return nil
}

// deploy deploys a program over the tenant's running one, refusing it
// when the caller expected another version to be running. The modules it
// pins are stored first, from mods (a Deploy's request); a rollback sends
// none and needs them stored already.
func (s Rules) deploy(ctx context.Context, prog *ir.Program, expected *int64, mods []*v1.ModuleFile, rollback int64) (*engine.Result, error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	t.DeployMu.Lock()
	defer t.DeployMu.Unlock()
	if expected != nil && *expected != t.Engine.Version() {
		return nil, connect.NewError(connect.CodeFailedPrecondition,
			errors.New("version "+itoa64(t.Engine.Version())+" is running, not the expected "+itoa64(*expected)+": plan again against it"))
	}
	if rollback > 0 {
		if missing := t.Modules.Missing(prog); len(missing) > 0 {
			return nil, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf(
				"version %d runs modules the tenant does not keep: %s (it was deployed before modules were kept, or they were removed): deploy its rule set again with the modules",
				rollback, strings.Join(missing, ", ")))
		}
	} else if err := storeModules(t, prog, mods); err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	// Counted before the deploy, under DeployMu: a timer that fires in
	// between is counted, as `diff --data` would have.
	counts := &plan.Plan{}
	if old := t.Engine.Program(); old != nil {
		counts = plan.Compare(old, prog)
		if err := countPending(t, counts); err != nil {
			return nil, err
		}
	}
	res, err := t.Deploy(prog)
	if err != nil {
		return nil, inputErr(err)
	}
	if res.Plan != nil && len(counts.Changes) == len(res.Plan.Changes) {
		for i := range res.Plan.Changes {
			res.Plan.Changes[i].Pending = counts.Changes[i].Pending
		}
	}
	if res.Plan != nil && len(counts.Declared) == len(res.Plan.Declared) {
		for i := range res.Plan.Declared {
			res.Plan.Declared[i].Items = counts.Declared[i].Items
		}
	}
	return res, nil
}

// Deploy checks the rule set and deploys it.
func (s Rules) Deploy(ctx context.Context, req *connect.Request[v1.DeployRequest]) (*connect.Response[v1.DeployResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	prog, ds, err := compileSet(ctx, req.Msg.GetFiles(), req.Msg.GetModules(), t.LoadModule)
	if err != nil {
		return nil, err
	}
	res, err := s.deploy(ctx, prog, req.Msg.ExpectedVersion, req.Msg.GetModules(), 0)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.DeployResponse{Version: res.Version, Plan: planOut(res.Plan), Text: planText(res.Plan), Diagnostics: ds}), nil
}

// ListVersions lists the deployed versions.
func (s Rules) ListVersions(ctx context.Context, _ *connect.Request[v1.ListVersionsRequest]) (*connect.Response[v1.ListVersionsResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	progs, err := t.Engine.Programs()
	if err != nil {
		return nil, readErr(err)
	}
	out := &v1.ListVersionsResponse{Current: t.Engine.Version()}
	for i, p := range progs {
		v := &v1.Version{Version: int64(i + 1), Rules: int32(len(p.Rules)), Triggers: int32(len(p.Triggers))}
		files := map[string]bool{}
		for _, r := range p.Rules {
			files[r.Pos.File] = true
		}
		for _, r := range p.Triggers {
			files[r.Pos.File] = true
		}
		for f := range files {
			v.Files = append(v.Files, f)
		}
		sort.Strings(v.Files)
		pl, err := t.Engine.PlanOf(v.Version)
		if err != nil {
			return nil, readErr(err)
		}
		if pl != nil {
			v.Added, v.Changed = int32(pl.Count(plan.Added)), int32(pl.Count(plan.Changed))
			v.Removed, v.Moved = int32(pl.Count(plan.Removed)), int32(pl.Count(plan.Moved))
		}
		out.Versions = append(out.Versions, v)
	}
	return connect.NewResponse(out), nil
}

// Rollback deploys an earlier version's program as a new version.
func (s Rules) Rollback(ctx context.Context, req *connect.Request[v1.RollbackRequest]) (*connect.Response[v1.RollbackResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	progs, err := t.Engine.Programs()
	if err != nil {
		return nil, readErr(err)
	}
	v := req.Msg.GetVersion()
	if v < 1 || v > int64(len(progs)) {
		if len(progs) == 0 {
			return nil, notFound("no version %d: nothing is deployed yet", v)
		}
		return nil, notFound("no version %d: versions 1 to %d are deployed (ListVersions)", v, len(progs))
	}
	res, err := s.deploy(ctx, progs[v-1], req.Msg.ExpectedVersion, nil, v)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.RollbackResponse{Version: res.Version, Plan: planOut(res.Plan), Text: planText(res.Plan)}), nil
}

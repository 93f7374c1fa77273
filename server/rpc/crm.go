package rpc

import (
	"context"
	"slices"
	"strconv"

	"connectrpc.com/connect"

	"github.com/stagecraft/stagecraft/compiler/ir"
	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// Crm implements CrmService.
type Crm struct{ *Server }

// maxScan is how many items one ListItems call reads at most: past it, a
// page may come back short, with a token to go on from.
const maxScan = 20000

// item reads an item, NotFound when there is none.
func item(t *tenant.Tenant, id string) (*engine.ItemInfo, error) {
	if id == "" {
		return nil, invalid("no item id given")
	}
	it, err := t.Engine.ItemOf(id)
	if err != nil {
		return nil, readErr(err)
	}
	if it == nil {
		return nil, notFound("no item %q", id)
	}
	return it, nil
}

// CreateItem creates an item.
func (s Crm) CreateItem(ctx context.Context, req *connect.Request[v1.CreateItemRequest]) (*connect.Response[v1.CreateItemResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := deployed(t); err != nil {
		return nil, err
	}
	m := req.Msg
	switch m.GetEntity() {
	case "":
		return nil, invalid("no entity given: deal, lead, contact, company, ...")
	case "user":
		// Refused here, not in the engine: a log may hold such an input
		// from before, which a replay must apply as it did.
		return nil, invalid("unknown entity %q: the CRM's users are its employees, declared with employee, not items", "user")
	case "client":
		return nil, invalid("unknown entity %q: client stands for an item's contact or company; create a contact or a company", "client")
	}
	fields, err := fieldsIn(t.Engine.Program(), m.GetEntity(), m.GetFields())
	if err != nil {
		return nil, err
	}
	res, err := t.Apply(engine.Input{Kind: "create", Entity: m.GetEntity(), Pipeline: m.GetPipeline(), Fields: fields})
	if err != nil {
		return nil, inputErr(err)
	}
	it, err := item(t, res.Created[0])
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.CreateItemResponse{Item: itemOut(it), Seq: res.Seq, Timeline: timelineOut(res.Timeline), Created: res.Created}), nil
}

// UpdateItem changes fields of an item.
func (s Crm) UpdateItem(ctx context.Context, req *connect.Request[v1.UpdateItemRequest]) (*connect.Response[v1.UpdateItemResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := deployed(t); err != nil {
		return nil, err
	}
	it, err := item(t, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if len(req.Msg.GetFields()) == 0 {
		// An input that changes nothing would still be logged and synced.
		return nil, invalid("no fields given: an update names the fields it sets")
	}
	fields, err := fieldsIn(t.Engine.Program(), it.Entity, req.Msg.GetFields())
	if err != nil {
		return nil, err
	}
	res, err := t.Apply(engine.Input{Kind: "update", Item: it.ID, Fields: fields})
	if err != nil {
		return nil, inputErr(err)
	}
	if it, err = item(t, it.ID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.UpdateItemResponse{Item: itemOut(it), Seq: res.Seq, Timeline: timelineOut(res.Timeline)}), nil
}

// GetItem reads an item.
func (s Crm) GetItem(ctx context.Context, req *connect.Request[v1.GetItemRequest]) (*connect.Response[v1.GetItemResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := deployed(t); err != nil { // no item exists before a deploy
		return nil, err
	}
	it, err := item(t, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.GetItemResponse{Item: itemOut(it)}), nil
}

// ListItems lists items a page at a time.
func (s Crm) ListItems(ctx context.Context, req *connect.Request[v1.ListItemsRequest]) (*connect.Response[v1.ListItemsResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	size, err := pageSize(m.GetPageSize())
	if err != nil {
		return nil, err
	}
	scope := []string{t.Name, "items", m.GetEntity(), m.GetPipeline(), m.GetStage()}
	after, err := s.untoken(scope, m.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &v1.ListItemsResponse{}
	scanned, last, more := 0, "", false
	var page pageBytes
	err = t.Engine.ItemsAfter(after, func(it engine.ItemInfo) bool {
		if len(out.Items) == size || scanned == maxScan {
			more = true
			return false
		}
		scanned++
		if m.GetEntity() != "" && it.Entity != m.GetEntity() ||
			m.GetPipeline() != "" && it.Pipeline != m.GetPipeline() ||
			m.GetStage() != "" && it.Fields["stage"].S != m.GetStage() {
			last = it.ID
			return true
		}
		msg := itemOut(&it)
		if !fits(&page, msg) {
			more = true
			return false
		}
		last = it.ID
		out.Items = append(out.Items, msg)
		return true
	})
	if err != nil {
		return nil, readErr(err)
	}
	if len(out.Items) == 0 && !more && after == "" {
		// No item at all matches: a filter the rules cannot match is a
		// typo, said as one. (One that items still match, of a stage a
		// later deploy removed, is answered with them.)
		if err := checkItemFilter(t, m); err != nil {
			return nil, err
		}
	}
	if more {
		out.NextPageToken = s.pageToken(scope, last)
	}
	return connect.NewResponse(out), nil
}

// MoveItem moves an item to a stage, as a user.
func (s Crm) MoveItem(ctx context.Context, req *connect.Request[v1.MoveItemRequest]) (*connect.Response[v1.MoveItemResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := deployed(t); err != nil {
		return nil, err
	}
	it, err := item(t, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if req.Msg.GetStage() == "" {
		return nil, invalid("no stage given")
	}
	if alreadyThere(t.Engine.Program(), it, req.Msg.GetStage(), req.Msg.GetBy()) {
		// Nothing to apply, nor to log (seq 0), and a client's retry of
		// a move that went through is answered as the move was.
		return connect.NewResponse(&v1.MoveItemResponse{Item: itemOut(it)}), nil
	}
	res, err := t.Apply(engine.Input{Kind: "move", Item: it.ID, Stage: req.Msg.GetStage(), By: req.Msg.GetBy()})
	if err != nil {
		return nil, inputErr(err)
	}
	if it, err = item(t, it.ID); err != nil {
		return nil, err
	}
	return connect.NewResponse(&v1.MoveItemResponse{Item: itemOut(it), Seq: res.Seq, Timeline: timelineOut(res.Timeline)}), nil
}

// GetTimeline reads an item's timeline a page at a time; a page holds
// whole inputs' entries (one input's may make it longer than asked).
func (s Crm) GetTimeline(ctx context.Context, req *connect.Request[v1.GetTimelineRequest]) (*connect.Response[v1.GetTimelineResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := deployed(t); err != nil { // no item exists before a deploy
		return nil, err
	}
	it, err := item(t, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	size, err := pageSize(req.Msg.GetPageSize())
	if err != nil {
		return nil, err
	}
	after := int64(0)
	scope := []string{t.Name, "timeline", it.ID}
	if tok := req.Msg.GetPageToken(); tok != "" {
		pos, err := s.untoken(scope, tok)
		if err != nil {
			return nil, err
		}
		if after, err = strconv.ParseInt(pos, 10, 64); err != nil || after < 0 {
			return nil, invalid("page_token %q is not one this server gave", tok)
		}
	}
	out := &v1.GetTimelineResponse{}
	last, more := after, false
	var page pageBytes
	err = t.Engine.TimelineAfter(it.ID, after, func(seq int64, es []engine.Entry) bool {
		msgs := timelineOut(es)
		if len(out.Entries) > 0 && len(out.Entries)+len(msgs) > size || !fits(&page, msgs...) {
			more = true
			return false
		}
		out.Entries = append(out.Entries, msgs...)
		last = seq
		return true
	})
	if err != nil {
		return nil, readErr(err)
	}
	if more {
		out.NextPageToken = s.pageToken(scope, strconv.FormatInt(last, 10))
	}
	return connect.NewResponse(out), nil
}

// alreadyThere says whether a move of it to stage by by is one the engine
// would take and that changes nothing: the item is in the stage, which
// its pipeline still has, and by is no one or an employee of the rules.
// Anything else goes to the engine, which says what is wrong.
func alreadyThere(p *ir.Program, it *engine.ItemInfo, stage, by string) bool {
	if p == nil || it.Fields["stage"].S != stage {
		return false
	}
	if by != "" && !slices.ContainsFunc(p.Resources, func(r *ir.Resource) bool { return r.Kind == "employee" && r.Name == by }) {
		return false
	}
	for _, pl := range p.Pipelines {
		if pl.Entity == it.Entity && pl.Name == it.Pipeline {
			return slices.ContainsFunc(pl.Stages, func(s *ir.Stage) bool { return s.Name == stage })
		}
	}
	return false
}

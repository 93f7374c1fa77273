package rpc

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// Events implements EventService.
type Events struct{ *Server }

// Ingest applies an event once per event ID.
func (s Events) Ingest(ctx context.Context, req *connect.Request[v1.IngestRequest]) (*connect.Response[v1.IngestResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	switch {
	case m.GetEventId() == "":
		return nil, invalid("no event_id: give each event an ID of yours, so that sending it again cannot apply it twice")
	case m.GetItem() == "":
		return nil, invalid("no item: name the item the event is about")
	case m.GetEvent() == "":
		return nil, invalid(`no event: name it as a trigger's "when" does, e.g. "invoice paid"`)
	}
	fields := make(map[string]value.Value, len(m.GetSettings()))
	for k, v := range m.GetSettings() {
		fields[k] = value.TextOf(v)
	}
	out, dup, err := t.Ingest(m.GetEventId(), engine.Input{Item: m.GetItem(), Event: t.Engine.EventName(m.GetEvent()), Fields: fields})
	var missing *tenant.MissingSettingError
	if errors.Is(err, tenant.ErrEventID) || errors.As(err, &missing) {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	var reused *tenant.ReusedError
	if errors.As(err, &reused) {
		return nil, connect.NewError(connect.CodeAlreadyExists, err)
	}
	if err != nil {
		// Checked after the fact: the engine refuses an event before any
		// deploy, and a hot path takes no extra lock to ask first.
		if err := deployed(t); err != nil {
			return nil, err
		}
		if it, _ := t.Engine.ItemOf(m.GetItem()); it == nil {
			return nil, notFound("no item %q", m.GetItem())
		}
		return nil, inputErr(err)
	}
	return connect.NewResponse(&v1.IngestResponse{Seq: out.Seq, Version: out.Version, Timeline: timelineOut(out.Timeline), Duplicate: dup}), nil
}

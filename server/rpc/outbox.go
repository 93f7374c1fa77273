package rpc

import (
	"context"
	"slices"
	"strings"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/server/delivery"
)

// Outbox implements OutboxService.
type Outbox struct{ *Server }

var states = map[string]v1.DeliveryState{
	"pending":   v1.DeliveryState_DELIVERY_STATE_PENDING,
	"retrying":  v1.DeliveryState_DELIVERY_STATE_RETRYING,
	"delivered": v1.DeliveryState_DELIVERY_STATE_DELIVERED,
	"failed":    v1.DeliveryState_DELIVERY_STATE_FAILED,
	"skipped":   v1.DeliveryState_DELIVERY_STATE_SKIPPED,
}

// ListMessages lists the messages after a cursor with their delivery state.
func (s Outbox) ListMessages(ctx context.Context, req *connect.Request[v1.ListMessagesRequest]) (*connect.Response[v1.ListMessagesResponse], error) {
	t, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	size, err := pageSize(m.GetPageSize())
	if err != nil {
		return nil, err
	}
	if k := m.GetKind(); k != "" && !slices.Contains(delivery.Kinds, k) {
		return nil, invalid("kind %q: messages are of the kinds %s", k, strings.Join(delivery.Kinds, ", "))
	}
	if m.GetCursor() != "" {
		if _, _, err := engine.ParseKey(m.GetCursor()); err != nil {
			return nil, invalid("cursor: %v", err)
		}
	}
	out := &v1.ListMessagesResponse{NextCursor: m.GetCursor()}
	scanned := 0
	var page pageBytes
	err = t.Engine.OutboxAfter(m.GetCursor(), func(ef engine.Effect) bool {
		if len(out.Messages) == size || scanned == maxScan {
			return false
		}
		scanned++
		if m.GetKind() != "" && ef.Kind != m.GetKind() || m.GetItem() != "" && ef.Item != m.GetItem() {
			out.NextCursor = ef.Key
			return true
		}
		msg := &v1.Message{Key: ef.Key, Seq: ef.Seq, Time: ef.Time, Kind: ef.Kind, Item: ef.Item, Rule: ef.Rule, To: ef.To,
			Fields: shownFields(ef.Fields), State: v1.DeliveryState_DELIVERY_STATE_PENDING}
		if s.Delivery != nil {
			st := s.Delivery.Status(t, &ef)
			msg.State = states[st.State]
			msg.Attempts, msg.LastError = int32(st.Attempts), st.LastError
			msg.LastAttemptTime, msg.NextAttemptTime = st.LastSecond(), st.NextSecond()
		}
		if !fits(&page, msg) {
			return false
		}
		out.NextCursor = ef.Key
		out.Messages = append(out.Messages, msg)
		return true
	})
	if err != nil {
		return nil, readErr(err)
	}
	return connect.NewResponse(out), nil
}

// shownFields are a message's fields without the empty internal ones
// (engine.Internal: links of an e-mail with no link to track).
func shownFields(fs map[string]string) map[string]string {
	for k, v := range fs {
		if v == "" && engine.Internal(k) {
			out := make(map[string]string, len(fs))
			for k, v := range fs {
				if v != "" || !engine.Internal(k) {
					out[k] = v
				}
			}
			return out
		}
	}
	return fs
}

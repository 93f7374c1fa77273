package loadgen

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/gen/stagecraft/v1/stagecraftv1connect"
)

// The server's calls the benchmarks make, and the checks of their answers.

// Checks are n RulesService.Check requests of req to host with key: the
// same bytes each time, as an editor sends a rule set it has not changed.
func Checks(host, key string, req *v1.CheckRequest, n int) ([][]byte, error) {
	body, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	call := Connect(host, "/"+stagecraftv1connect.RulesServiceName+"/Check", key, body)
	out := make([][]byte, n)
	for i := range out {
		out[i] = call
	}
	return out, nil
}

// Ingests are n EventService.Ingest requests to host with key, of event
// on item, each with an event ID of its own (prefix-i): each a new
// event, a synced commit.
func Ingests(host, key, item, event, prefix string, n int) ([][]byte, error) {
	out := make([][]byte, n)
	for i := range out {
		body, err := proto.Marshal(&v1.IngestRequest{EventId: fmt.Sprintf("%s-%d", prefix, i), Item: item, Event: event})
		if err != nil {
			return nil, err
		}
		out[i] = Connect(host, "/"+stagecraftv1connect.EventServiceName+"/Ingest", key, body)
	}
	return out, nil
}

// CheckOK wants a Check's answer to say the rule set checks.
func CheckOK(_, status int, body []byte) error {
	var res v1.CheckResponse
	if err := Answer(status, body, &res); err != nil {
		return err
	}
	if !res.Ok {
		return fmt.Errorf("the rule set does not check: %v", res.Diagnostics)
	}
	return nil
}

// IngestApplied wants an Ingest's answer to say the event was applied: a
// sequence number, not a duplicate.
func IngestApplied(_, status int, body []byte) error {
	var res v1.IngestResponse
	if err := Answer(status, body, &res); err != nil {
		return err
	}
	if res.Duplicate || res.Seq <= 0 {
		return fmt.Errorf("an event not applied: seq %d, duplicate %v", res.Seq, res.Duplicate)
	}
	return nil
}

// Answer decodes a Connect unary answer into m: 200 and the message, or
// an error with what the body says.
func Answer(status int, body []byte, m proto.Message) error {
	if status != 200 {
		return fmt.Errorf("status %d: %s", status, body)
	}
	if err := proto.Unmarshal(body, m); err != nil {
		return errors.New("the answer is no " + string(m.ProtoReflect().Descriptor().FullName()) + ": " + err.Error())
	}
	return nil
}

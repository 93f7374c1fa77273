package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// strictJSON is the API's JSON codec: connect-go's own (the standard
// protobuf JSON mapping), except that a field the message does not have
// is refused rather than dropped (connect's default, protojson's
// DiscardUnknown, lets `"feilds"` create an item with no fields). Connect
// answers an Unmarshal error with InvalidArgument, HTTP 400, naming the
// field. It is registered under both names a JSON request may carry.
type strictJSON struct{ name string }

// codecs replace connect's JSON codecs on every handler with strictJSON;
// RulesService's handlers decode the binary format with a reusingProto
// each (rulesHandlers).
func codecs() []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithCodec(strictJSON{"json"}),
		connect.WithCodec(strictJSON{"json; charset=utf-8"}),
	}
}

func (c strictJSON) Name() string { return c.name }

func (strictJSON) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", m)
	}
	return protojson.MarshalOptions{}.Marshal(pm)
}

func (strictJSON) MarshalAppend(dst []byte, m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", m)
	}
	return protojson.MarshalOptions{}.MarshalAppend(dst, pm)
}

// MarshalStable is Marshal compacted: a GET request's message, which
// must read the same each time to be cached.
func (c strictJSON) MarshalStable(m any) ([]byte, error) {
	b, err := c.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (strictJSON) IsBinary() bool { return false }

func (strictJSON) Unmarshal(b []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a protobuf message", m)
	}
	if len(b) == 0 {
		return errors.New("an empty body is no JSON object: send {} for a request without fields")
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(b, pm); err != nil {
		return fmt.Errorf("the request is not a %s: %w", pm.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

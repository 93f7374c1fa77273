package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// item is an item with what the engine keeps beside its fields.
type item struct {
	interp.Item
	Vars    []value.Value // variables and results of the current stage's rules, by slot
	Entered int64         // its entry into the current stage: input sequence << entryBits + the input's count of entries
	Channel string        // the open channel the client last wrote from
	// Timers are the keys of its pending timers and Activities those of its
	// open auto-complete activities: leaving a stage reads them here rather
	// than scanning a key range, which after many deletions is mostly
	// tombstones.
	Timers     []string
	Activities []string
	Awaiting   []awaiting // webhook calls whose answer the next rules wait for
	dirty      bool
}

// stored is an item as written: fields by name, so that slots may change
// between program versions.
type stored struct {
	ID       string                 `json:"id"`
	Entity   string                 `json:"entity"`
	Pipeline string                 `json:"pipeline,omitempty"`
	Fields   map[string]value.Value `json:"fields"`
	Vars     map[string]value.Value `json:"vars,omitempty"`
	Entered  int64                  `json:"entered,omitempty"`
	Channel  string                 `json:"channel,omitempty"`
	Timers   []string               `json:"timers,omitempty"`
	Acts     []string               `json:"activities,omitempty"`
	Awaiting []awaiting             `json:"awaiting,omitempty"`
}

// awaiting is a webhook call whose answer the rules after Rule wait for.
type awaiting struct {
	Key     string `json:"key"`
	Rule    string `json:"rule"`    // the rule's identity
	Version int64  `json:"version"` // the program version that made the call
	Entered int64  `json:"entered"`
}

func (t *tx) field(it *item, name string) value.Value {
	if s := t.e.pl.Slot(it.Entity, name); s >= 0 {
		return it.Fields[s]
	}
	return value.Value{}
}

func (t *tx) setField(it *item, name string, v value.Value) {
	if s := t.e.pl.Slot(it.Entity, name); s >= 0 {
		it.Fields[s] = v
		t.touch(it)
	}
}

func (t *tx) touch(it *item) {
	if !it.dirty {
		it.dirty = true
		t.order = append(t.order, it.ID)
	}
}

// load returns an item, from this input's cache or the store; nil if none.
// An item that cannot be read fails the input.
func (t *tx) load(id string) *item {
	it, err := t.read(id)
	if err != nil {
		t.fail(err)
	}
	return it
}

// damagedError is an item whose stored record cannot be taken for an item:
// damage of the record itself, which reading again will not mend, unlike
// an error of the store.
type damagedError struct{ err error }

func (e *damagedError) Error() string { return e.err.Error() }
func (e *damagedError) Unwrap() error { return e.err }

// Is makes a damaged record the store's damage (store.ErrCorrupt) to
// those that tell the server's failures from an input's own: a server
// answers Internal for it, not InvalidArgument.
func (e *damagedError) Is(target error) bool { return target == store.ErrCorrupt }

// read is load without failing the input: nil and no error when there is
// no such item; a *damagedError when its record is damaged.
func (t *tx) read(id string) (*item, error) {
	if id == "" {
		return nil, nil
	}
	if it, ok := t.items[id]; ok {
		return it, nil
	}
	if c, ok := t.e.cache[id]; ok {
		it := c.clone()
		t.items[id] = it
		return it, nil
	}
	raw, ok, err := t.b.Get(keyItem(id))
	if err != nil {
		return nil, fmt.Errorf("reading item %q: %w", id, err)
	}
	if !ok {
		return nil, nil
	}
	var s stored
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &damagedError{fmt.Errorf("item %q is stored damaged: %v", id, err)}
	}
	en := t.e.entities[s.Entity]
	if en == nil {
		return nil, &damagedError{fmt.Errorf("item %q is of entity %q, which the running program does not declare", id, s.Entity)}
	}
	it := &item{Item: interp.Item{ID: s.ID, Entity: s.Entity, Pipeline: s.Pipeline, Fields: make([]value.Value, len(en.Fields))},
		Entered: s.Entered, Channel: s.Channel, Timers: s.Timers, Activities: s.Acts, Awaiting: s.Awaiting}
	if len(s.Vars) > 0 { // stored by name: slots may change between versions
		it.Vars = make([]value.Value, len(t.e.prog.Vars))
		for i, name := range t.e.prog.Vars {
			it.Vars[i] = s.Vars[name]
		}
	}
	for i, f := range en.Fields {
		it.Fields[i] = s.Fields[f.Name]
	}
	t.items[id] = it
	return it, nil
}

// bind sets a variable of the item (M-AUX).
func (t *tx) bind(it *item, slot int, v value.Value) {
	if it.Vars == nil {
		it.Vars = make([]value.Value, len(t.e.prog.Vars))
	}
	it.Vars[slot] = v
	t.touch(it)
}

// clone copies an item deeply enough that changing the copy leaves the
// original as it was.
func (it *item) clone() *item {
	c := *it
	c.Fields = append([]value.Value(nil), it.Fields...)
	c.Timers = append([]string(nil), it.Timers...)
	c.Activities = append([]string(nil), it.Activities...)
	c.Awaiting = append([]awaiting(nil), it.Awaiting...)
	c.Vars = append([]value.Value(nil), it.Vars...)
	c.dirty = false
	return &c
}

// remember puts the items an input wrote into the engine's cache of
// committed items, once the input is committed. The cache saves decoding
// an item on every input; it is cleared when it would grow past MaxCached,
// and never holds more.
func (t *tx) remember() {
	if len(t.e.cache)+len(t.order) > MaxCached {
		clear(t.e.cache)
	}
	for _, id := range t.order[:min(len(t.order), MaxCached)] { // the input is done with its items: they move to the cache
		it := t.items[id]
		it.dirty = false
		t.e.cache[id] = it
	}
}

func (t *tx) mustItem(id string) (*item, error) {
	if it := t.load(id); it != nil {
		return it, nil
	}
	if t.err != nil { // it is there, but cannot be read
		return nil, t.err
	}
	return nil, fmt.Errorf("unknown item %q", id)
}

// flush writes back every item this input changed, and the timeline
// entries of each item it touched, as one list per item.
func (t *tx) flush() error {
	byItem := map[string][]Entry{}
	var ids []string
	for _, e := range t.res.Timeline {
		if byItem[e.Item] == nil {
			ids = append(ids, e.Item)
		}
		byItem[e.Item] = append(byItem[e.Item], e)
	}
	for _, id := range ids {
		body, err := json.Marshal(byItem[id])
		if err != nil {
			return err
		}
		t.b.Set(keyTimeline(id, t.in.Seq), body)
	}
	for _, id := range t.order {
		it := t.items[id]
		s := stored{ID: it.ID, Entity: it.Entity, Pipeline: it.Pipeline, Fields: map[string]value.Value{},
			Entered: it.Entered, Channel: it.Channel, Timers: it.Timers, Acts: it.Activities, Awaiting: it.Awaiting}
		for i, v := range it.Vars {
			if !v.IsNull() {
				if s.Vars == nil {
					s.Vars = map[string]value.Value{}
				}
				s.Vars[t.e.prog.Vars[i]] = v
			}
		}
		for i, f := range t.e.entities[it.Entity].Fields {
			if v := it.Fields[i]; !v.IsNull() {
				if err := value.Valid(v); err != nil { // never stored: the input fails whole
					return fmt.Errorf("%s.%s cannot hold the value: %v", it.Entity, f.Name, err)
				}
				s.Fields[f.Name] = v
			}
		}
		t.b.Set(keyItem(id), s.encode())
	}
	return nil
}

// create makes a new item. Fields naming unknown fields are refused. An
// item of an entity with pipelines enters the first stage of its pipeline
// (M-SCENARIO: every request enters stage 1), or the given stage.
func (t *tx) create(entity, pipeline string, fields map[string]value.Value, stage string, enter bool) (*item, error) {
	en := t.e.entities[entity]
	if en == nil {
		return nil, fmt.Errorf("unknown entity %q", entity)
	}
	it := &item{Item: interp.Item{ID: t.nextID(), Entity: entity, Fields: make([]value.Value, len(en.Fields))}}
	conformed := make(map[string]value.Value, len(fields))
	for _, k := range sortedKeys(fields) {
		f := t.e.fieldDef(entity, k)
		if f == nil || f.ReadOnly {
			return nil, fmt.Errorf("%s has no field %q that can be set", entity, k)
		}
		v, err := t.conform(entity, f, fields[k])
		if err != nil {
			return nil, err
		}
		it.Fields[t.e.pl.Slot(entity, k)] = v
		conformed[k] = v
	}
	// The contact and contacts as conformed, as update passes them: a
	// reference given as its ID in a text is stored as a reference.
	for k, v := range t.firstContact(it, conformed) {
		it.Fields[t.e.pl.Slot(entity, k)] = v
	}
	t.items[it.ID] = it
	t.touch(it)
	t.setField(it, "id", value.TextOf(it.ID))
	t.setField(it, "created", value.Value{K: value.DateTime, N: float64(t.now)})
	t.res.Created = append(t.res.Created, it.ID)
	if p := t.e.pipelineOf(entity, pipeline); p != nil {
		it.Pipeline = p.Name
		if stage == "" {
			stage = p.Stages[0].Name
		}
		if _, err := t.e.stageIndex(it, stage); err != nil {
			return nil, err
		}
		if enter {
			t.move(it, stage, "created", "")
		} else {
			t.setField(it, "stage", value.TextOf(stage))
		}
	} else if pipeline != "" {
		return nil, fmt.Errorf("%s has no pipeline %q", entity, pipeline)
	}
	return it, nil
}

// update changes fields; each change may fire field-changed triggers.
func (t *tx) update(it *item, fields map[string]value.Value) error {
	conformed := map[string]value.Value{}
	for _, k := range sortedKeys(fields) {
		f := t.e.fieldDef(it.Entity, k)
		if f == nil || f.ReadOnly {
			return fmt.Errorf("%s has no field %q that can be set", it.Entity, k)
		}
		v, err := t.conform(it.Entity, f, fields[k])
		if err != nil {
			return err
		}
		conformed[k] = v
	}
	for k, v := range t.firstContact(it, conformed) {
		conformed[k] = v
	}
	// Every field of the input is set before any trigger fires, so that
	// the rules a change starts see the whole update (a category and an
	// amount sent together), whatever the fields' names.
	var changed []string
	for _, k := range sortedKeys(conformed) {
		if t.setChanged(it, k, conformed[k], "") {
			changed = append(changed, k)
		}
	}
	if len(changed) > 0 {
		t.followDates(it)
	}
	for _, k := range changed {
		// A rule started by an earlier field's trigger may have changed
		// this one again: that change fired its own triggers, with its
		// value; this input's value is no longer the field's.
		if value.Equal(t.field(it, k), conformed[k]) {
			t.fireChanged(it, k, conformed[k])
		}
	}
	return nil
}

// changeField sets a field and runs the field-changed triggers (T-FIELD-CHANGED).
// rule is the position of the rule that changes it, or "" for an input.
func (t *tx) changeField(it *item, name string, v value.Value, rule string) {
	if t.setChanged(it, name, v, rule) {
		t.followDates(it)
		t.fireChanged(it, name, v)
	}
}

// setChanged sets a field that differs, saying so on the timeline, and
// reports whether it did.
func (t *tx) setChanged(it *item, name string, v value.Value, rule string) bool {
	if value.Equal(t.field(it, name), v) {
		return false
	}
	t.setField(it, name, v)
	t.timeline(it, rule, fmt.Sprintf("%s set to %s", name, quote(v)))
	return true
}

// fireChanged runs the field-changed triggers of a field set to v.
func (t *tx) fireChanged(it *item, name string, v value.Value) {
	t.fire(it, "field changed", map[string]value.Value{"field": value.TextOf(name), "value": v})
}

// Entry is a line of an item's timeline.
type Entry struct {
	Time  int64  `json:"time"`
	Seq   int64  `json:"seq"`
	Item  string `json:"item"`
	Stage string `json:"stage,omitempty"`
	Rule  string `json:"rule,omitempty"` // the position of the rule or trigger
	Text  string `json:"text"`
}

// timeline adds an entry to an item's timeline. An input's entries are
// written together, one key per item, by flush.
func (t *tx) timeline(it *item, rule, text string) {
	e := Entry{Time: t.now, Seq: t.in.Seq, Item: it.ID, Stage: t.field(it, "stage").S, Rule: rule, Text: text}
	t.res.Timeline = append(t.res.Timeline, e)
}

// Timeline returns an item's timeline.
func (e *Engine) Timeline(id string) ([]Entry, error) {
	var out []Entry
	var bad error
	err := e.st.Scan(keyTimelineOf(id), func(k, v []byte) bool {
		var es []Entry
		if bad = json.Unmarshal(v, &es); bad != nil {
			bad = fmt.Errorf("timeline entry %q is stored damaged: %v", k, bad)
			return false
		}
		out = append(out, es...)
		return true
	})
	return out, errors.Join(bad, err)
}

// Item returns an item's committed fields by name; nil if there is none.
func (e *Engine) Item(id string) (map[string]value.Value, string, error) {
	raw, ok, err := e.st.Get(keyItem(id))
	if err != nil || !ok {
		return nil, "", err
	}
	var s stored
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, "", err
	}
	return s.Fields, s.Entity, nil
}

// encode writes the item as json.Marshal would, without reflection: an
// item is encoded on every input that changes it.
func (s *stored) encode() []byte {
	b := make([]byte, 0, 512)
	str := func(name, v string, omit bool) {
		if omit && v == "" {
			return
		}
		b = value.AppendJSONString(append(b, ','), name)
		b = value.AppendJSONString(append(b, ':'), v)
	}
	values := func(name string, m map[string]value.Value, omit bool) {
		if omit && len(m) == 0 {
			return
		}
		b = append(append(b, `,"`...), name...)
		b = append(b, `":{`...)
		for i, k := range sortedKeys(m) {
			if i > 0 {
				b = append(b, ',')
			}
			b = m[k].AppendJSON(append(value.AppendJSONString(b, k), ':'))
		}
		b = append(b, '}')
	}
	strs := func(name string, list []string) {
		if len(list) == 0 {
			return
		}
		b = append(append(b, `,"`...), name...)
		b = append(b, `":[`...)
		for i, v := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = value.AppendJSONString(b, v)
		}
		b = append(b, ']')
	}
	b = value.AppendJSONString(append(b, `{"id":`...), s.ID)
	str("entity", s.Entity, false)
	str("pipeline", s.Pipeline, true)
	values("fields", s.Fields, false)
	values("vars", s.Vars, true)
	if s.Entered != 0 {
		b = strconv.AppendInt(append(b, `,"entered":`...), s.Entered, 10)
	}
	str("channel", s.Channel, true)
	strs("timers", s.Timers)
	strs("activities", s.Acts)
	if len(s.Awaiting) > 0 {
		aw, _ := json.Marshal(s.Awaiting) // rare: a webhook's answer awaited
		b = append(append(b, `,"awaiting":`...), aw...)
	}
	return append(b, '}')
}

// Load returns a committed item, or for entity user an employee, as rules
// see it: the one lookup that rules, test blocks and `run` share. Nil if
// there is none.
func (e *Engine) Load(entity, id string) (*interp.Item, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.st.NewBatch()
	defer b.Discard()
	t := &tx{ctx: context.Background(), e: e, b: b, items: map[string]*item{}}
	it := world{t: t}.Load(entity, id)
	if t.err != nil {
		return nil, t.err
	}
	if it == nil || entity != "" && it.Entity != entity {
		return nil, nil
	}
	c := *it
	c.Fields = append([]value.Value(nil), it.Fields...)
	return &c, nil
}

// firstContact keeps an item's contact the first of its contacts
// (spec/semantics.md, "Items"), given the fields an input sets: contacts
// set the contact to their first; a contact set moves to the front of the
// contacts (added if absent); a contact emptied leaves the contacts, and
// the next one becomes the contact. It returns the fields to set besides.
func (t *tx) firstContact(it *item, set map[string]value.Value) map[string]value.Value {
	one, many := t.e.pl.Slot(it.Entity, "contact"), t.e.pl.Slot(it.Entity, "contacts")
	if one < 0 || many < 0 {
		return nil
	}
	contact, hasOne := set["contact"]
	contacts, hasMany := set["contacts"]
	switch {
	case hasOne && !hasMany:
		old := it.Fields[many].L
		if contact.IsNull() { // the first leaves
			if cur := it.Fields[one]; !cur.IsNull() {
				old = without(old, cur.S)
			}
			contacts = value.ListOf(old...)
		} else {
			contacts = value.ListOf(append([]value.Value{contact}, without(old, contact.S)...)...)
		}
	case hasOne && hasMany && !contact.IsNull():
		contacts = value.ListOf(append([]value.Value{contact}, without(contacts.L, contact.S)...)...)
	case !hasMany:
		return nil
	}
	if len(contacts.L) == 0 {
		return map[string]value.Value{"contact": {}, "contacts": {}}
	}
	return map[string]value.Value{"contact": contacts.L[0], "contacts": contacts}
}

func without(list []value.Value, id string) []value.Value {
	var out []value.Value
	for _, v := range list {
		if v.S != id {
			out = append(out, v)
		}
	}
	return out
}

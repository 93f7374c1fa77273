package stdlib

import (
	"fmt"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Repeat sales rules (catalogue: R-REPEAT-LEAD, R-COPY-DEAL, R-ACTIVITY).
var repeatSales = []Action{
	{Decl: &types.ActionDecl{
		ID: "R-REPEAT-LEAD", Verb: "create", Object: "lead",
		Doc:      "Create a repeat lead from a deal. The deal must have a client; without one the rule does not run.",
		Entities: []string{"deal"},
		Settings: []*types.Setting{
			text("name", true, "the lead's name, with field values"),
			{Name: "responsible", Type: types.UserType, Default: "the deal's responsible", Doc: "the employee responsible for the lead"},
		},
		Result: types.RecordOf("lead", &types.Field{Name: "id", Type: types.TextN(32)}, &types.Field{Name: "title", Type: types.TextN(120)}),
	}, Run: createLead},
	{Decl: &types.ActionDecl{
		ID: "R-COPY-DEAL", Verb: "copy", Object: "deal",
		Doc:      "Copy the deal with all its field values.",
		Entities: []string{"deal"},
		Settings: []*types.Setting{
			{Name: "name", Type: types.TextType, Default: `"{deal.title} Copy"`, Doc: "the copy's name, with field values"},
			{Name: "pipeline", Type: &types.Type{Kind: types.Resource, Name: "pipeline"}, Default: "the deal's pipeline", Doc: "the pipeline of the copy"},
			{Name: "stage", Type: &types.Type{Kind: types.Stage, Entity: "deal"}, Default: "the first stage of the pipeline", StageOf: "pipeline",
				Doc: "the copy's initial stage, in its pipeline"},
			{Name: "responsible", Type: types.UserType, Default: "the deal's responsible", Doc: "the copy's responsible"},
		},
		Result: types.RecordOf("deal", &types.Field{Name: "id", Type: types.TextN(32)}, &types.Field{Name: "title", Type: types.TextN(120)}),
	}, Run: copyDeal},
	{Decl: &types.ActionDecl{
		ID: "R-ACTIVITY", Verb: "schedule", Object: "activity",
		Doc: "Schedule an activity: a call, a meeting or document preparation.",
		Settings: []*types.Setting{
			{Name: "kind", Type: types.EnumOf("call", "meeting", "document"), Default: "call", Doc: "what the activity is"},
			text("subject", false, "a short title, with field values"),
			text("description", true, "the description, with field values"),
			{Name: "date", Type: types.DateTimeType, Required: true, Doc: "when, e.g. tomorrow + 14:00"},
			{Name: "responsible", Type: types.UserType, Default: "the item's responsible", Doc: "who does it"},
			flag("auto_complete", "false", "complete it automatically when the item moves to another stage"),
		},
		Result: types.RecordOf("activity", &types.Field{Name: "id", Type: types.TextN(32)}),
	}, Run: scheduleActivity},
}

// scheduleActivity schedules an activity (R-ACTIVITY). Its date is
// required: a date read from an empty field schedules nothing, and the
// timeline says so, where an activity at no time would never come up.
func scheduleActivity(c action.Call) {
	if c.Set("date").IsNull() {
		c.NotRun(fmt.Sprintf("its date %s is empty", c.SettingText("date")))
		return
	}
	assign(c, "activity")
}

// createLead needs a client; the lead gets the name, the responsible (the
// deal's by default) and the client, and enters its first stage.
func createLead(c action.Call) {
	entity, id, ok := c.Client()
	if !ok {
		c.NotRun("the deal has no client (no contact and no company)")
		return
	}
	name := c.Set("name")
	responsible := orDefault(c.Set("responsible").S, c.Responsible())
	fields := map[string]value.Value{
		"title": name, "name": c.ClientField("name"), "responsible": value.RefOf("user", responsible),
		entity: value.RefOf(entity, id),
	}
	lead, _, _, err := c.Create("lead", "", fields, "")
	if err != nil {
		c.NotRun(err.Error())
		return
	}
	name = fields["title"] // as made: a name too long is cut
	c.Effect("created", "lead", "", map[string]string{"name": name.String(), "responsible": responsible, "id": lead})
	c.Bind(value.RecordOf([]string{"id", "title"}, []value.Value{value.TextOf(lead), name}))
}

// copyDeal copies every field; the name defaults to the original's title
// plus " Copy", the pipeline to the deal's own, the stage to its first.
func copyDeal(c action.Call) {
	fields := c.Copyable()
	title := orDefault(c.Text("name"), c.Field("title").S+" Copy")
	if c.Text("name") == "" && c.SettingText("name") != "" {
		c.Note(fmt.Sprintf("its name %s is empty: the copy is named %q", c.SettingText("name"), title))
	}
	fields["title"] = value.TextOf(title)
	responsible := orDefault(c.Set("responsible").S, c.Responsible())
	if responsible != "" {
		fields["responsible"] = value.RefOf("user", responsible)
	}
	id, pipeline, stage, err := c.Create("deal", orDefault(c.Text("pipeline"), c.Pipeline()), fields, c.Text("stage"))
	if err != nil {
		c.NotRun(err.Error())
		return
	}
	title = fields["title"].S // as made: a name too long is cut
	c.Effect("created", "deal", "", map[string]string{"name": title, "pipeline": pipeline, "stage": stage, "responsible": responsible, "id": id})
	c.Bind(value.RecordOf([]string{"id", "title"}, []value.Value{value.TextOf(id), value.TextOf(title)}))
}

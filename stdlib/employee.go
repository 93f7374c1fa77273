package stdlib

import (
	"fmt"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Employee and document rules (catalogue: R-RESPONSIBLE, R-NOTIFY, R-TASK, R-DOCUMENT).
var employee = []Action{
	{Decl: &types.ActionDecl{
		ID: "R-RESPONSIBLE", Verb: "change", Object: "responsible",
		Doc:    "Make another employee responsible for the item.",
		Target: types.UserTarget, TargetRequired: true,
	}, Run: changeResponsible},
	{Decl: &types.ActionDecl{
		ID: "R-NOTIFY", Verb: "send", Object: "notification",
		Doc:    "Notify an employee, e.g. the responsible's supervisor (responsible.supervisor).",
		Target: types.UserTarget, TargetRequired: true,
		Settings: []*types.Setting{
			text("text", true, "the notification, with field values"),
		},
	}, Run: sendNotification},
	{Decl: &types.ActionDecl{
		ID: "R-TASK", Verb: "assign", Object: "task",
		Doc:    "Assign a task to an employee.",
		Target: types.UserTarget, TargetDefault: "the item's responsible",
		Settings: []*types.Setting{
			text("title", true, "the task's title, with field values"),
			text("description", false, "the task's description, with field values"),
			{Name: "deadline", Type: types.DateTimeType, Default: "none", Doc: "when it is due"},
		},
		Result: types.RecordOf("task", &types.Field{Name: "id", Type: types.TextN(32)}),
	}, Run: assignTask},
	{Decl: &types.ActionDecl{
		ID: "R-DOCUMENT", Verb: "create", Object: "document",
		Doc: "Create a document from a template. Its link (as NAME, then NAME.url) can be used by a later rule.",
		Settings: []*types.Setting{
			resource("template", "template", true, "", "the document template"),
			text("name", false, "the document's name, with field values"),
		},
		Result: DocumentType,
	}, Run: createDocument},
}

func changeResponsible(c action.Call) {
	if to, ok := employeeTo(c); ok {
		c.ChangeField("responsible", value.RefOf("user", to))
	}
}

func sendNotification(c action.Call) {
	if to, ok := employeeTo(c); ok {
		c.Effect("sent", "notification", to, map[string]string{"text": c.Text("text")})
	}
}

// employeeTo is the employee a rule's `to` names. A `to` that names no one,
// like the supervisor of an employee without one, does not run the action,
// and the timeline says so: an item left without a responsible, or a
// notification to nobody, would be wrong where not running is only late.
func employeeTo(c action.Call) (string, bool) {
	to, _ := c.Target()
	if to.S == "" {
		c.NotRun(fmt.Sprintf("%s names no employee", c.TargetText()))
		return "", false
	}
	return to.S, true
}

func assignTask(c action.Call) { assign(c, "task") }

// assign creates a task or an activity; its responsible is the `to`, or
// the item's responsible. Without one (an item with no responsible, and
// none named) it is not created: a task for nobody would be done by
// nobody.
func assign(c action.Call, kind string) {
	fields := c.Fields()
	if named := c.SettingText("responsible"); named != "" && fields["responsible"] == "" {
		// responsible deal.contact.responsible, who is nobody: as a to
		// that names no one, not the item's responsible instead.
		c.NotRun(fmt.Sprintf("responsible %s names no employee", named))
		return
	}
	fields["responsible"] = orDefault(fields["responsible"], c.Responsible())
	if _, given := c.Target(); given {
		to, ok := employeeTo(c)
		if !ok {
			return
		}
		fields["responsible"] = to
	}
	if fields["responsible"] == "" {
		c.NotRun("the item has no responsible, and the rule names no employee")
		return
	}
	id := c.Effect("created", kind, fields["responsible"], fields)
	c.Bind(value.RecordOf([]string{"id"}, []value.Value{value.TextOf(id)}))
}

// DocumentURL is where documents are served; a document's link is this
// and its ID.
const DocumentURL = "https://docs.stagecraft.invalid/"

// createDocument records a document made from a template; its link is
// usable by later rules (M-AUX).
func createDocument(c action.Call) {
	tmpl := c.Text("template")
	name := c.Text("name")
	if name == "" && c.Resource(tmpl) != nil {
		name = c.Resource(tmpl).Value
	}
	id := c.Effect("created", "document", "", map[string]string{"template": tmpl, "name": name})
	url := value.TextOf(DocumentURL + id)
	c.Bind(value.RecordOf([]string{"id", "name", "url", "file"}, // the file is the document at its link
		[]value.Value{value.TextOf(id), value.TextOf(name), url, url}))
}

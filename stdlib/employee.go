package stdlib

import "github.com/stagecraft/stagecraft/compiler/types"

// Employee and document rules (catalogue: R-RESPONSIBLE, R-NOTIFY, R-TASK, R-DOCUMENT).
var employeeActions = []*types.ActionDecl{
	{
		ID: "R-RESPONSIBLE", Verb: "change", Object: "responsible",
		Doc:    "Make another employee responsible for the item.",
		Target: types.UserTarget, TargetRequired: true,
	},
	{
		ID: "R-NOTIFY", Verb: "send", Object: "notification",
		Doc:    "Notify an employee, e.g. the responsible's supervisor (responsible.supervisor).",
		Target: types.UserTarget, TargetRequired: true,
		Settings: []*types.Setting{
			text("text", true, "the notification, with field values"),
		},
	},
	{
		ID: "R-TASK", Verb: "assign", Object: "task",
		Doc:    "Assign a task to an employee.",
		Target: types.UserTarget, TargetDefault: "the item's responsible",
		Settings: []*types.Setting{
			text("title", true, "the task's title, with field values"),
			text("description", false, "the task's description, with field values"),
			{Name: "deadline", Type: types.DateTimeType, Default: "none", Doc: "when it is due"},
		},
		Result: types.RecordOf("task", &types.Field{Name: "id", Type: types.TextN(32)}),
	},
	{
		ID: "R-DOCUMENT", Verb: "create", Object: "document",
		Doc: "Create a document from a template. Its link (as NAME, then NAME.url) can be used by a later rule.",
		Settings: []*types.Setting{
			resource("template", "template", true, "", "the document template"),
			text("name", false, "the document's name, with field values"),
		},
		Result: DocumentType,
	},
}

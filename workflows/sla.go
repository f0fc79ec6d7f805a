package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
)

// Escalation levels of a task (红黄牌预警 and 督办).
const (
	EscalationNone     = 0
	EscalationDeptHead = 1 // red: the department head is told
	EscalationLGO      = 2 // still open a while after red: the leading-group office is told
)

// watch runs a task's alarms on durable timers: yellow (a reminder to whoever works the task),
// red at the deadline (escalation to the department head), then escalation to the
// leading-group office. Closing or pausing the task stops them.
func (c *Case) watch(t *task) {
	ctx, cancel := workflow.WithCancel(c.flow)
	t.stopWatch = cancel
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			at, raise := c.nextAlarm(t)
			if raise == nil {
				return
			}
			if d := at.Sub(workflow.Now(ctx)); d > 0 {
				if err := workflow.Sleep(ctx, d); err != nil {
					return // cancelled: the task closed or the case was withdrawn
				}
			}
			if t.State != TaskOpen {
				return
			}
			raise(ctx, t)
			_ = c.Commit(ctx)
		}
	})
}

func (c *Case) nextAlarm(t *task) (time.Time, func(workflow.Context, *task)) {
	s := t.sched
	switch {
	case t.Warning == WarningNone && !s.YellowAt.IsZero() && s.YellowAt.Before(s.Deadline):
		return s.YellowAt, c.raiseYellow
	case t.Warning != WarningRed && !s.Deadline.IsZero():
		return s.Deadline, c.raiseRed
	case t.Escalation < EscalationLGO && !s.LGOAt.IsZero():
		return s.LGOAt, c.escalateToLGO
	}
	return time.Time{}, nil
}

func (c *Case) raiseYellow(ctx workflow.Context, t *task) {
	t.Warning = WarningYellow
	c.touch(t)
	c.Event(ctx, Event{Kind: EventWarningYellow, TaskID: t.ID, Step: t.Step, Department: t.Department,
		Detail: "deadline " + FormatTime(t.sched.Deadline)})
	c.Notify(NotifyReminder, t.ID, fmt.Sprintf("黄牌提醒：%s「%s」将于 %s 到期", c.info.Title, t.StepName, FormatTime(t.sched.Deadline)),
		"请尽快办理。", c.workers(t))
}

func (c *Case) raiseRed(ctx workflow.Context, t *task) {
	t.Warning = WarningRed
	t.Escalation = EscalationDeptHead
	c.touch(t)
	c.Event(ctx, Event{Kind: EventWarningRed, TaskID: t.ID, Step: t.Step, Department: t.Department,
		Detail: "overdue since " + FormatTime(t.sched.Deadline)})
	c.Event(ctx, Event{Kind: EventEscalated, TaskID: t.ID, Step: t.Step, Department: t.Department, Detail: "to " + RoleDeptHead})
	c.Audit(ctx, System, "task.escalate", "task/"+t.ID, RoleDeptHead, "deadline passed without a decision")
	title := fmt.Sprintf("红牌督办：%s「%s」已超期", c.info.Title, t.StepName)
	c.Notify(NotifyReminder, t.ID, title, "办理期限已过，请立即办理。", c.workers(t))
	c.Notify(NotifyEscalation, t.ID, title, "本部门待办已超期，请督促办理。", Recipient{Department: t.Department, Role: RoleDeptHead})
}

func (c *Case) escalateToLGO(ctx workflow.Context, t *task) {
	t.Escalation = EscalationLGO
	c.touch(t)
	c.Event(ctx, Event{Kind: EventEscalated, TaskID: t.ID, Step: t.Step, Department: t.Department, Detail: "to " + RoleLGO})
	c.Audit(ctx, System, "task.escalate", "task/"+t.ID, RoleLGO, "still overdue after the department head was told")
	c.Notify(NotifyEscalation, t.ID, fmt.Sprintf("超期上报：%s「%s」(%s) 超期未办", c.info.Title, t.StepName, t.Department),
		"已超期并通知分管领导，仍未办理，请督办。", Recipient{Role: RoleLGO})
}

func FormatTime(t time.Time) string {
	return t.In(domain.ChinaTime).Format("2006-01-02 15:04")
}

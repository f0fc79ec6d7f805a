// Package worker assembles the Temporal worker: every talentflow workflow and activity,
// registered under the names the workflows call them by.
package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"talentflow/activities"
	"talentflow/workflows"
)

// Activities are the implementations the workflows need.
type Activities struct {
	Projector *activities.Projector
	Clock     *activities.Clock
	Certifier *activities.Certifier
	Deliverer *activities.Deliverer
}

// Register puts every workflow and activity on r (a worker, or a test environment).
func Register(r sdkworker.Registry, a Activities) {
	RegisterWorkflows(r)
	for name, fn := range map[string]any{
		workflows.ActivityProject:          a.Projector.Project,
		workflows.ActivitySchedule:         a.Clock.Schedule,
		workflows.ActivityMeasure:          a.Clock.Measure,
		workflows.ActivityIssueCertificate: a.Certifier.IssueCertificate,
		workflows.ActivityDeliverWebhook:   a.Deliverer.Webhook,
		workflows.ActivityDeliverEmail:     a.Deliverer.Email,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}

// RegisterWorkflows puts every workflow on r (also used by replay tests).
func RegisterWorkflows(r interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
}) {
	for _, wf := range []any{workflows.TalentIntroduction, workflows.LiaisonPairingRequest, workflows.DeliverNotification} {
		r.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{})
	}
}

// New builds a worker on taskQueue with pollers workflow and activity task pollers each (the
// SDK's default of 2 was measured to be the bottleneck on the embedded server).
func New(c client.Client, taskQueue string, pollers int, a Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: pollers,
		MaxConcurrentActivityTaskPollers: pollers,
	})
	Register(w, a)
	return w
}

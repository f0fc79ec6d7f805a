// Package worker assembles the Temporal worker: the engine's own workflows and activities and
// every registered process's, each under the name the workflows call it by.
package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"talentflow/activities"
	"talentflow/internal/process"
	"talentflow/workflows"
)

// Activities are the engine's activity implementations.
type Activities struct {
	Projector *activities.Projector
	Clock     *activities.Clock
	Deliverer *activities.Deliverer
}

// Register puts every workflow and activity on r (a worker, or a test environment): the
// engine's, then the processes'.
func Register(r sdkworker.Registry, a Activities, processes *process.Registry, acts []process.Activity) {
	RegisterWorkflows(r, processes)
	for _, act := range append([]process.Activity{
		{Name: workflows.ActivityCheckpoint, Fn: workflows.Checkpoint},
		{Name: workflows.ActivityProject, Fn: a.Projector.Project},
		{Name: workflows.ActivitySchedule, Fn: a.Clock.Schedule},
		{Name: workflows.ActivityMeasure, Fn: a.Clock.Measure},
		{Name: workflows.ActivityDeliverWebhook, Fn: a.Deliverer.Webhook},
		{Name: workflows.ActivityDeliverEmail, Fn: a.Deliverer.Email},
	}, acts...) {
		r.RegisterActivityWithOptions(act.Fn, activity.RegisterOptions{Name: act.Name})
	}
}

// Interceptors are the worker interceptors every talentflow worker, test environment and
// replayer runs with: they are part of the workflows' behaviour.
func Interceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{workflows.DurableUpdates()}
}

// DeliverWorkflow is the type name of the notification delivery workflow.
const DeliverWorkflow = "DeliverNotification"

// RegisterWorkflows puts every workflow on r under its explicit type name (also used by
// replay tests).
func RegisterWorkflows(r interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
}, processes *process.Registry) {
	r.RegisterWorkflowWithOptions(workflows.DeliverNotification, workflow.RegisterOptions{Name: DeliverWorkflow})
	for _, wf := range processes.Workflows() {
		r.RegisterWorkflowWithOptions(wf.Fn, workflow.RegisterOptions{Name: wf.Name})
	}
}

// New builds a worker on taskQueue with pollers workflow and activity task pollers each (the
// SDK's default of 2 was measured to be the bottleneck on the embedded server).
func New(c client.Client, taskQueue string, pollers int, a Activities, processes *process.Registry, acts []process.Activity) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: pollers,
		MaxConcurrentActivityTaskPollers: pollers,
		Interceptors:                     Interceptors(),
	})
	Register(w, a, processes, acts)
	return w
}

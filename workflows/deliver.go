package workflows

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// A delivery outlives the case that caused it: the case never waits for a webhook.
const parentClosePolicyAbandon = enumspb.PARENT_CLOSE_POLICY_ABANDON

// DeliverNotification sends one notification by webhook and/or e-mail, retrying with backoff
// for up to a day. Its own workflow, so a receiver that is down never blocks a case.
func DeliverNotification(ctx workflow.Context, d Delivery) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    5 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Minute,
		},
	})
	return workflow.ExecuteActivity(ctx, ActivityDeliver, d).Get(ctx, nil)
}

package workflows

import (
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// A delivery outlives the case that caused it: the case never waits for a webhook.
const parentClosePolicyAbandon = enumspb.PARENT_CLOSE_POLICY_ABANDON

// DeliverNotification sends one notification on each of its channels (webhook, e-mail), each
// channel its own activity retrying with backoff for up to a day, so that one channel failing
// never resends on the other. Its own workflow, so a receiver that is down never blocks a case.
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
	activityOf := map[string]string{ChannelWebhook: ActivityDeliverWebhook, ChannelEmail: ActivityDeliverEmail}
	var sent []workflow.Future
	for _, ch := range d.Channels {
		if name, ok := activityOf[ch]; ok {
			sent = append(sent, workflow.ExecuteActivity(ctx, name, d))
		}
	}
	var errs []error
	for _, f := range sent {
		errs = append(errs, f.Get(ctx, nil))
	}
	return errors.Join(errs...)
}

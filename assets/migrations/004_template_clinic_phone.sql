-- The default reminder template gives the clinic's phone number: patients without consent on
-- file must be given the provider's contact information (FCC 2015 healthcare exemption), and
-- smsdesk now holds back reminders to them from a template without {clinicPhone}. Locations
-- still on the old default get the new one; a template an admin wrote is left as it is.
UPDATE tenants SET reminder_template =
  'Hi {patientName}, {clinicName}: appointment {appointmentDate} at {appointmentTime}. Call {clinicPhone}. Reply C to confirm, R to reschedule, X to cancel, STOP to opt out.'
WHERE reminder_template =
  'Hi {patientName}, this is {clinicName}: you have an appointment on {appointmentDate} at {appointmentTime}. Reply C to confirm, R to reschedule, X to cancel. Reply STOP to opt out.';

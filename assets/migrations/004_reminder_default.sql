-- The default reminder template changes for two reasons:
-- * it gives the clinic's phone number: patients without consent on file must be given the
--   provider's contact information (FCC 2015 healthcare exemption), and smsdesk now holds
--   back reminders to them from a template without {clinicPhone};
-- * it no longer says "X to cancel": patients answered "Cancel", which the law reads as an
--   opt-out of all texts, while the appointment stayed booked.
-- It stays one GSM-7 segment (the exemption's limit). Locations still on the old default get
-- the new one; a template an admin wrote is left as it is (it is checked when next saved).
-- New locations get the new default from the program (TENANT_DEFAULT_TEMPLATE).
UPDATE tenants SET reminder_template =
  'Hi {patientName}, {clinicName}: visit {appointmentDate} at {appointmentTime}. Call {clinicPhone}. Reply C to confirm, R to reschedule, X if you can''t come, STOP to opt out.'
WHERE reminder_template =
  'Hi {patientName}, this is {clinicName}: you have an appointment on {appointmentDate} at {appointmentTime}. Reply C to confirm, R to reschedule, X to cancel. Reply STOP to opt out.';

-- The default reminder said "X to cancel": patients answered "Cancel", which the law reads as
-- an opt-out of all texts, while the appointment stayed booked. The default now names no
-- word that collides with an opt-out keyword. Tenants still on the old default get the new
-- one (no longer: it must stay one segment, the healthcare exemption's limit); a template an
-- admin wrote is left alone (it is checked when next saved).
UPDATE tenants SET reminder_template = 'Hi {patientName}, this is {clinicName}: your visit is on {appointmentDate} at {appointmentTime}. Reply C to confirm, R to reschedule, X if you can''t come. Reply STOP to opt out.'
 WHERE reminder_template = 'Hi {patientName}, this is {clinicName}: you have an appointment on {appointmentDate} at {appointmentTime}. Reply C to confirm, R to reschedule, X to cancel. Reply STOP to opt out.';
-- SQLite cannot change a column's DEFAULT in place: new locations get the new text here.
CREATE TRIGGER tenants_reminder_default AFTER INSERT ON tenants
WHEN NEW.reminder_template = 'Hi {patientName}, this is {clinicName}: you have an appointment on {appointmentDate} at {appointmentTime}. Reply C to confirm, R to reschedule, X to cancel. Reply STOP to opt out.'
BEGIN
  UPDATE tenants SET reminder_template = 'Hi {patientName}, this is {clinicName}: your visit is on {appointmentDate} at {appointmentTime}. Reply C to confirm, R to reschedule, X if you can''t come. Reply STOP to opt out.'
   WHERE id = NEW.id;
END;

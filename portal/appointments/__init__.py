"""Appointments: slots from opening hours and counters, holds, bookings, links, mails."""

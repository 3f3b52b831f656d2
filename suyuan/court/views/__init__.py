"""The court's pages: the docking window and case pages for court staff (``staff``), the grid workers'
deliveries (``deliveries``), and the citizens' filing, confirmation and hearing pages (``portal``)."""

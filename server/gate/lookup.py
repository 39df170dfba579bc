"""Finding a gate of the user's community, for the gate's pages."""
from ..access import scoped_or_404
from ..models import Site


def gate_or_404(site_id: int) -> Site:
    """A gate of the user's community; another community's site is simply not found."""
    return scoped_or_404(Site, site_id, Site.kind == "gate")

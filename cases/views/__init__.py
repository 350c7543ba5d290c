"""The casework screens. One module per screen family; ``cases/urls.py`` names them."""

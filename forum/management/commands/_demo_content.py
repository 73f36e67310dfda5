"""Texts of the small demo board.

The reference topic's texts come from the reference page the thread page is
modelled on (shared/seed/reference-topic-page.txt).
"""

REFERENCE_TITLE = "The Bernie Sanders Campaign Should Have Gone Further"

REFERENCE_TOPIC = """\
After the end of the Bernie Sanders campaign, we have no shortage of takes on why
Bernie lost. Pointing fingers in directions that confirm their preexisting political
convictions, analysts claim the working class rejected socialism, or nonvoters will
never vote, or that Bernie should have pivoted from insurgency to a party unity
message to win over Democrats, or that the campaign should have pushed harder
against Biden. Many of these arguments are worth engaging with. But as explanations
of why the campaign didn’t come out on top, those takeaways don’t fit with what I
observed in my ten months of on-the-ground organizing for the Sanders campaign in
Iowa and Illinois.

The Bernie campaign was about organizing. We aimed to organize a multiracial,
working-class coalition of people behind a presidential campaign that represented
their values, not the interests of the rich. Over and over again in Iowa, I saw
people transformed by conversations about Sanders and his platform, communities
rally around the possibility of change, and new supporters take their first steps
into political organizing.

We preached that our campaign would build a new working-class movement in this
country, a tall order even for a country with a more established and functional Left
than the United States. Our problem was not that we set this as a goal for ourselves
— it was that our applied strategy stopped short of even attempting to reach this
goal.

If the campaign leadership had been uniformly committed to the goal of building a
working-class left movement through a presidential campaign, then our campaign would
have looked very different. For instance, we would have invested in physical field
staff in every state far earlier. We also would have treated our “distributed
organizing” program, a virtual program coordinating volunteers across the country to
run their own canvassing and phone-banking operations, as supplemental to paid staff
rather than as a cheaper replacement.

Our campaign leadership made several major gambles that were not in sync with the
values or espoused strategy of our campaign. But rather than ignore our flaws or
write off our campaign for its failures, we owe it to ourselves to identify what we
did that worked, and why and how we should have gone further to build a unified,
grassroots left movement that could win the policies in Bernie’s platform and much
more.
"""

REFERENCE_REPLY = """\
Bernie lost in all the debates, and that is why he is out now. He had no solutions,
only complaints against the system and the rich. Meanwhile he was getting rich
himself over the years, and people understand he was a fringe candidate.
"""

# (username, display name, bio)
MEMBERS = [
    ("organizer", "Field Organizer", "Ten months of canvassing in Iowa and Illinois."),
    ("debatewatcher", "Debate Watcher", "I watch every debate, twice."),
    ("filmbuff", "Film Buff", "Black and white, preferably."),
    ("moderator_ann", "Ann (moderator)", "Keeping things civil since day one."),
    ("quietreader", "", "Mostly reading, sometimes writing."),
    ("nightowl", "Night Owl", ""),
    ("gardener", "Green Thumb", "Tomatoes, roses, and too many houseplants."),
    ("coder", "Ada", "Writes software, reads history."),
]

# Categories in board order; a "parent" makes a subcategory (one level).
CATEGORIES = [
    {
        "slug": "announcements",
        "name": "Announcements",
        "description": "News about this forum from the team.",
    },
    {
        "slug": "general",
        "name": "General Discussion",
        "description": "Anything that does not fit elsewhere.",
    },
    {
        "slug": "politics",
        "name": "Politics & Society",
        "description": "Campaigns, policy and the state of the world. Stay civil.",
    },
    {
        "slug": "film",
        "name": "Film & Television",
        "description": "What we watch, and what we think of it.",
    },
    {
        "slug": "classic-cinema",
        "name": "Classic Cinema",
        "description": "Films from the silent era to the seventies.",
        "parent": "film",
    },
    {
        "slug": "series",
        "name": "Series",
        "description": "Television, old and new.",
        "parent": "film",
    },
]

SHORT_THREADS = [
    {
        "category": "announcements",
        "author": "moderator_ann",
        "pinned": True,
        "title": "Welcome! Read this first",
        "body": (
            "Welcome to the forum. A few ground rules:\n\n"
            "1. Be kind; argue with ideas, not people.\n"
            "2. No spam, no advertising.\n"
            "3. Use **Markdown** to format your posts: *emphasis*, lists, "
            "`code` and > quotes all work.\n\n"
            "Read the [Terms of Use](/terms/) for the details."
        ),
        "replies": [
            ("quietreader", "Thanks, glad to be here."),
            ("coder", "Nice and fast. Works without JavaScript too!"),
        ],
    },
    {
        "category": "general",
        "author": "gardener",
        "title": "What are you growing this season?",
        "body": "Tomatoes again, and I am trying peppers on the balcony. You?",
        "replies": [
            ("nightowl", "Basil, mostly. It keeps dying."),
            ("gardener", "Basil wants sun and not too much water. Try a bigger pot."),
            ("coder", "Herbs on the windowsill: thyme survives everything."),
        ],
    },
    {
        "category": "general",
        "author": "coder",
        "title": "Book recommendations for a long winter",
        "body": "Looking for history books that read like novels. Suggestions?",
        "replies": [
            ("debatewatcher", "*The Guns of August*, by Barbara Tuchman."),
        ],
    },
    {
        "category": "series",
        "author": "nightowl",
        "title": "Shows worth a rewatch",
        "body": "Which series did you enjoy more the second time?",
        "replies": [
            ("filmbuff", "Anything where you know the ending and watch the craft."),
            ("quietreader", "Slow detective shows. The clues land differently."),
        ],
    },
]

LONG_THREAD = {
    "title": "One classic film for every year: a collective list",
    "body": (
        "Let us build a list: one reply, one year, one film. "
        "Say why it matters in a sentence."
    ),
    # One film a year, 1920-1983: 64 replies, so the thread has four pages.
    "films": list(
        enumerate(
            [
                "The Cabinet of Dr. Caligari",
                "The Kid",
                "Nosferatu",
                "Safety Last!",
                "Sherlock Jr.",
                "Battleship Potemkin",
                "The General",
                "Metropolis",
                "The Passion of Joan of Arc",
                "Man with a Movie Camera",
                "All Quiet on the Western Front",
                "M",
                "Trouble in Paradise",
                "Duck Soup",
                "It Happened One Night",
                "The 39 Steps",
                "Modern Times",
                "La Grande Illusion",
                "Bringing Up Baby",
                "The Rules of the Game",
                "The Philadelphia Story",
                "Citizen Kane",
                "Casablanca",
                "Day of Wrath",
                "Double Indemnity",
                "Brief Encounter",
                "It's a Wonderful Life",
                "Black Narcissus",
                "Bicycle Thieves",
                "The Third Man",
                "Rashomon",
                "Ace in the Hole",
                "Singin' in the Rain",
                "Tokyo Story",
                "Seven Samurai",
                "The Night of the Hunter",
                "The Searchers",
                "Wild Strawberries",
                "Vertigo",
                "Some Like It Hot",
                "L'Avventura",
                "Yojimbo",
                "Lawrence of Arabia",
                "8½",
                "Dr. Strangelove",
                "Pierrot le Fou",
                "Persona",
                "Playtime",
                "2001: A Space Odyssey",
                "Army of Shadows",
                "The Conformist",
                "McCabe & Mrs. Miller",
                "The Godfather",
                "The Spirit of the Beehive",
                "Chinatown",
                "Jeanne Dielman",
                "Taxi Driver",
                "Annie Hall",
                "Days of Heaven",
                "Stalker",
                "Raging Bull",
                "Das Boot",
                "Fanny and Alexander",
                "The King of Comedy",
            ],
            start=1920,
        )
    ),
    "comments": [
        "Still holds up.",
        "The camera work alone is worth it.",
        "A quiet masterpiece.",
        "Watch it on the biggest screen you can find.",
        "Better than its reputation.",
        "The score stays with you for days.",
        "Funny, then devastating.",
    ],
}

WORDS = (
    "forum thread reply post member community garden film policy campaign "
    "library winter summer coffee bicycle river mountain city village market "
    "history novel camera music theatre election volunteer budget street "
    "school science bridge harbour station kitchen recipe bread cheese apple "
    "question answer opinion argument evidence source review season chapter"
).split()

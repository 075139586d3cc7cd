// Real cities used for home locations and coordinates. Coordinates are city-centre values (WGS84, 4 decimals),
// time zones are IANA identifiers. Columns: name, ISO 3166-1 alpha-2 country, state/province code or name,
// latitude, longitude, IANA time zone, region, continent. Tab separated.
let cityTableTSV = """
San Francisco	US	CA	37.7749	-122.4194	America/Los_Angeles	North America	North America
Los Angeles	US	CA	34.0522	-118.2437	America/Los_Angeles	North America	North America
San Diego	US	CA	32.7157	-117.1611	America/Los_Angeles	North America	North America
San Jose	US	CA	37.3382	-121.8863	America/Los_Angeles	North America	North America
Sacramento	US	CA	38.5816	-121.4944	America/Los_Angeles	North America	North America
Seattle	US	WA	47.6062	-122.3321	America/Los_Angeles	North America	North America
Portland	US	OR	45.5152	-122.6784	America/Los_Angeles	North America	North America
Las Vegas	US	NV	36.1699	-115.1398	America/Los_Angeles	North America	North America
Phoenix	US	AZ	33.4484	-112.0740	America/Phoenix	North America	North America
Denver	US	CO	39.7392	-104.9903	America/Denver	North America	North America
Salt Lake City	US	UT	40.7608	-111.8910	America/Denver	North America	North America
Albuquerque	US	NM	35.0844	-106.6504	America/Denver	North America	North America
Boise	US	ID	43.6150	-116.2023	America/Boise	North America	North America
Chicago	US	IL	41.8781	-87.6298	America/Chicago	North America	North America
Houston	US	TX	29.7604	-95.3698	America/Chicago	North America	North America
Dallas	US	TX	32.7767	-96.7970	America/Chicago	North America	North America
Austin	US	TX	30.2672	-97.7431	America/Chicago	North America	North America
San Antonio	US	TX	29.4241	-98.4936	America/Chicago	North America	North America
Minneapolis	US	MN	44.9778	-93.2650	America/Chicago	North America	North America
Kansas City	US	MO	39.0997	-94.5786	America/Chicago	North America	North America
St. Louis	US	MO	38.6270	-90.1994	America/Chicago	North America	North America
Nashville	US	TN	36.1627	-86.7816	America/Chicago	North America	North America
New Orleans	US	LA	29.9511	-90.0715	America/Chicago	North America	North America
Milwaukee	US	WI	43.0389	-87.9065	America/Chicago	North America	North America
New York	US	NY	40.7128	-74.0060	America/New_York	North America	North America
Boston	US	MA	42.3601	-71.0589	America/New_York	North America	North America
Philadelphia	US	PA	39.9526	-75.1652	America/New_York	North America	North America
Pittsburgh	US	PA	40.4406	-79.9959	America/New_York	North America	North America
Washington	US	DC	38.9072	-77.0369	America/New_York	North America	North America
Baltimore	US	MD	39.2904	-76.6122	America/New_York	North America	North America
Atlanta	US	GA	33.7490	-84.3880	America/New_York	North America	North America
Miami	US	FL	25.7617	-80.1918	America/New_York	North America	North America
Orlando	US	FL	28.5383	-81.3792	America/New_York	North America	North America
Tampa	US	FL	27.9506	-82.4572	America/New_York	North America	North America
Charlotte	US	NC	35.2271	-80.8431	America/New_York	North America	North America
Columbus	US	OH	39.9612	-82.9988	America/New_York	North America	North America
Detroit	US	MI	42.3314	-83.0458	America/Detroit	North America	North America
Indianapolis	US	IN	39.7684	-86.1581	America/Indiana/Indianapolis	North America	North America
Anchorage	US	AK	61.2181	-149.9003	America/Anchorage	North America	North America
Honolulu	US	HI	21.3069	-157.8583	Pacific/Honolulu	North America	North America
Toronto	CA	ON	43.6532	-79.3832	America/Toronto	North America	North America
Ottawa	CA	ON	45.4215	-75.6972	America/Toronto	North America	North America
Montréal	CA	QC	45.5017	-73.5673	America/Toronto	North America	North America
Québec City	CA	QC	46.8139	-71.2080	America/Toronto	North America	North America
Vancouver	CA	BC	49.2827	-123.1207	America/Vancouver	North America	North America
Calgary	CA	AB	51.0447	-114.0719	America/Edmonton	North America	North America
Edmonton	CA	AB	53.5461	-113.4938	America/Edmonton	North America	North America
Regina	CA	SK	50.4452	-104.6189	America/Regina	North America	North America
Winnipeg	CA	MB	49.8951	-97.1384	America/Winnipeg	North America	North America
Halifax	CA	NS	44.6488	-63.5752	America/Halifax	North America	North America
St. John's	CA	NL	47.5615	-52.7126	America/St_Johns	North America	North America
Mexico City	MX	Ciudad de México	19.4326	-99.1332	America/Mexico_City	North America	North America
Guadalajara	MX	Jalisco	20.6597	-103.3496	America/Mexico_City	North America	North America
Puebla	MX	Puebla	19.0414	-98.2063	America/Mexico_City	North America	North America
Monterrey	MX	Nuevo León	25.6866	-100.3161	America/Monterrey	North America	North America
Tijuana	MX	Baja California	32.5149	-117.0382	America/Tijuana	North America	North America
Cancún	MX	Quintana Roo	21.1619	-86.8515	America/Cancun	North America	North America
London	GB	England	51.5074	-0.1278	Europe/London	Europe	Europe
Manchester	GB	England	53.4808	-2.2426	Europe/London	Europe	Europe
Edinburgh	GB	Scotland	55.9533	-3.1883	Europe/London	Europe	Europe
Dublin	IE	Dublin	53.3498	-6.2603	Europe/Dublin	Europe	Europe
Reykjavík	IS	Capital Region	64.1466	-21.9426	Atlantic/Reykjavik	Europe	Europe
Lisbon	PT	Lisbon	38.7223	-9.1393	Europe/Lisbon	Europe	Europe
Porto	PT	Porto	41.1579	-8.6291	Europe/Lisbon	Europe	Europe
Ponta Delgada	PT	Azores	37.7412	-25.6756	Atlantic/Azores	Europe	Europe
Madrid	ES	Community of Madrid	40.4168	-3.7038	Europe/Madrid	Europe	Europe
Barcelona	ES	Catalonia	41.3874	2.1686	Europe/Madrid	Europe	Europe
Paris	FR	Île-de-France	48.8566	2.3522	Europe/Paris	Europe	Europe
Lyon	FR	Auvergne-Rhône-Alpes	45.7640	4.8357	Europe/Paris	Europe	Europe
Toulouse	FR	Occitanie	43.6047	1.4442	Europe/Paris	Europe	Europe
Brussels	BE	Brussels-Capital	50.8503	4.3517	Europe/Brussels	Europe	Europe
Amsterdam	NL	North Holland	52.3676	4.9041	Europe/Amsterdam	Europe	Europe
Berlin	DE	Berlin	52.5200	13.4050	Europe/Berlin	Europe	Europe
Hamburg	DE	Hamburg	53.5511	9.9937	Europe/Berlin	Europe	Europe
Munich	DE	Bavaria	48.1351	11.5820	Europe/Berlin	Europe	Europe
Frankfurt	DE	Hesse	50.1109	8.6821	Europe/Berlin	Europe	Europe
Düsseldorf	DE	North Rhine-Westphalia	51.2277	6.7735	Europe/Berlin	Europe	Europe
Zürich	CH	Zürich	47.3769	8.5417	Europe/Zurich	Europe	Europe
Geneva	CH	Geneva	46.2044	6.1432	Europe/Zurich	Europe	Europe
Milan	IT	Lombardy	45.4642	9.1900	Europe/Rome	Europe	Europe
Rome	IT	Lazio	41.9028	12.4964	Europe/Rome	Europe	Europe
Vienna	AT	Vienna	48.2082	16.3738	Europe/Vienna	Europe	Europe
Prague	CZ	Prague	50.0755	14.4378	Europe/Prague	Europe	Europe
Warsaw	PL	Masovian	52.2297	21.0122	Europe/Warsaw	Europe	Europe
Kraków	PL	Lesser Poland	50.0647	19.9450	Europe/Warsaw	Europe	Europe
Copenhagen	DK	Capital Region	55.6761	12.5683	Europe/Copenhagen	Europe	Europe
Oslo	NO	Oslo	59.9139	10.7522	Europe/Oslo	Europe	Europe
Stockholm	SE	Stockholm	59.3293	18.0686	Europe/Stockholm	Europe	Europe
Helsinki	FI	Uusimaa	60.1699	24.9384	Europe/Helsinki	Europe	Europe
Budapest	HU	Budapest	47.4979	19.0402	Europe/Budapest	Europe	Europe
Bucharest	RO	Bucharest	44.4268	26.1025	Europe/Bucharest	Europe	Europe
Athens	GR	Attica	37.9838	23.7275	Europe/Athens	Europe	Europe
Istanbul	TR	Istanbul	41.0082	28.9784	Europe/Istanbul	Europe	Europe
Kyiv	UA	Kyiv	50.4501	30.5234	Europe/Kyiv	Europe	Europe
Moscow	RU	Moscow	55.7558	37.6173	Europe/Moscow	Europe	Europe
Tel Aviv	IL	Tel Aviv	32.0853	34.7818	Asia/Jerusalem	Asia	Asia
Doha	QA	Doha	25.2854	51.5310	Asia/Qatar	Asia	Asia
Dubai	AE	Dubai	25.2340	55.2840	Asia/Dubai	Asia	Asia
Abu Dhabi	AE	Abu Dhabi	24.4539	54.3773	Asia/Dubai	Asia	Asia
Tehran	IR	Tehran	35.6892	51.3890	Asia/Tehran	Asia	Asia
Karachi	PK	Sindh	24.8607	67.0011	Asia/Karachi	Asia	Asia
Mumbai	IN	Maharashtra	19.0760	72.8777	Asia/Kolkata	Asia	Asia
New Delhi	IN	Delhi	28.6139	77.2090	Asia/Kolkata	Asia	Asia
Bengaluru	IN	Karnataka	12.9716	77.5946	Asia/Kolkata	Asia	Asia
Chennai	IN	Tamil Nadu	13.0827	80.2707	Asia/Kolkata	Asia	Asia
Hyderabad	IN	Telangana	17.3850	78.4867	Asia/Kolkata	Asia	Asia
Kolkata	IN	West Bengal	22.5726	88.3639	Asia/Kolkata	Asia	Asia
Colombo	LK	Western Province	6.9271	79.8612	Asia/Colombo	Asia	Asia
Kathmandu	NP	Bagmati	27.7172	85.3240	Asia/Kathmandu	Asia	Asia
Dhaka	BD	Dhaka	23.7800	90.4000	Asia/Dhaka	Asia	Asia
Yangon	MM	Yangon	16.7950	96.1600	Asia/Yangon	Asia	Asia
Bangkok	TH	Bangkok	13.7563	100.5018	Asia/Bangkok	Asia	Asia
Hanoi	VN	Hanoi	21.0278	105.8342	Asia/Ho_Chi_Minh	Asia	Asia
Ho Chi Minh City	VN	Ho Chi Minh City	10.7769	106.7009	Asia/Ho_Chi_Minh	Asia	Asia
Kuala Lumpur	MY	Kuala Lumpur	3.1390	101.6869	Asia/Kuala_Lumpur	Asia	Asia
Singapore	SG	Singapore	1.3000	103.8400	Asia/Singapore	Asia	Asia
Jakarta	ID	Jakarta	-6.1920	106.8365	Asia/Jakarta	Asia	Asia
Manila	PH	Metro Manila	14.5995	120.9842	Asia/Manila	Asia	Asia
Hong Kong	HK	Hong Kong	22.3027	114.1772	Asia/Hong_Kong	Asia	Asia
Shenzhen	CN	Guangdong	22.5431	114.0579	Asia/Shanghai	Asia	Asia
Shanghai	CN	Shanghai	31.2304	121.4737	Asia/Shanghai	Asia	Asia
Beijing	CN	Beijing	39.9042	116.4074	Asia/Shanghai	Asia	Asia
Taipei	TW	Taipei	25.0330	121.5654	Asia/Taipei	Asia	Asia
Seoul	KR	Seoul	37.5665	126.9780	Asia/Seoul	Asia	Asia
Busan	KR	Busan	35.1796	129.0756	Asia/Seoul	Asia	Asia
Tokyo	JP	Tokyo	35.6850	139.7300	Asia/Tokyo	Asia	Asia
Osaka	JP	Osaka	34.6937	135.5023	Asia/Tokyo	Asia	Asia
Sydney	AU	NSW	-33.8688	151.2093	Australia/Sydney	Others	Oceania
Melbourne	AU	VIC	-37.8136	144.9631	Australia/Melbourne	Others	Oceania
Brisbane	AU	QLD	-27.4698	153.0251	Australia/Brisbane	Others	Oceania
Adelaide	AU	SA	-34.9285	138.6007	Australia/Adelaide	Others	Oceania
Perth	AU	WA	-31.9505	115.8605	Australia/Perth	Others	Oceania
Auckland	NZ	Auckland	-36.8485	174.7633	Pacific/Auckland	Others	Oceania
Wellington	NZ	Wellington	-41.2865	174.7762	Pacific/Auckland	Others	Oceania
Suva	FJ	Central	-18.1248	178.4501	Pacific/Fiji	Others	Oceania
São Paulo	BR	São Paulo	-23.5505	-46.6333	America/Sao_Paulo	Others	South America
Rio de Janeiro	BR	Rio de Janeiro	-22.9068	-43.1729	America/Sao_Paulo	Others	South America
Buenos Aires	AR	Buenos Aires	-34.6037	-58.3816	America/Argentina/Buenos_Aires	Others	South America
Montevideo	UY	Montevideo	-34.9011	-56.1645	America/Montevideo	Others	South America
Santiago	CL	Santiago Metropolitan	-33.4489	-70.6693	America/Santiago	Others	South America
Lima	PE	Lima	-12.0464	-77.0428	America/Lima	Others	South America
Bogotá	CO	Bogotá	4.6097	-74.0817	America/Bogota	Others	South America
Panama City	PA	Panamá	8.9824	-79.5199	America/Panama	Others	North America
San José	CR	San José	9.9281	-84.0907	America/Costa_Rica	Others	North America
Kingston	JM	Kingston	17.9712	-76.7936	America/Jamaica	Others	North America
Santo Domingo	DO	Distrito Nacional	18.4861	-69.9312	America/Santo_Domingo	Others	North America
Praia	CV	Santiago	14.9330	-23.5133	Atlantic/Cape_Verde	Others	Africa
Dakar	SN	Dakar	14.7167	-17.4677	Africa/Dakar	Others	Africa
Accra	GH	Greater Accra	5.6037	-0.1870	Africa/Accra	Others	Africa
Casablanca	MA	Casablanca-Settat	33.5731	-7.5898	Africa/Casablanca	Others	Africa
Lagos	NG	Lagos	6.4550	3.3841	Africa/Lagos	Others	Africa
Cairo	EG	Cairo	30.0444	31.2357	Africa/Cairo	Others	Africa
Addis Ababa	ET	Addis Ababa	9.0300	38.7400	Africa/Addis_Ababa	Others	Africa
Nairobi	KE	Nairobi	-1.2921	36.8219	Africa/Nairobi	Others	Africa
Johannesburg	ZA	Gauteng	-26.2041	28.0473	Africa/Johannesburg	Others	Africa
Cape Town	ZA	Western Cape	-33.9249	18.4241	Africa/Johannesburg	Others	Africa
"""
